"""`python -m fanaudit` runs the command line."""

from fanaudit.cli import app

app(prog_name="fanaudit")
