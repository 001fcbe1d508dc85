"""fanaudit: tell machine fans (bots) from real people on live-streaming platforms."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("fanaudit")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
