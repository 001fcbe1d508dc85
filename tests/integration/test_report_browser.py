"""The streamer audit report in a real browser (headless Chromium through Playwright), in
English and Chinese: the page renders with its title and verdict sentence, every chart is
an embedded image that loads, the console stays free of errors, nothing is fetched from
anywhere, and no address, device id or pseudonym is on the page as Chromium renders it.
The Chinese report needs a CJK font (fc-list :lang=zh), or its text shows as boxes and its
charts fall back to English labels."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from fanaudit.models.jobs import report_streamer
from fanaudit.models.plots import chart_language

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PSEUDONYM = re.compile(r"\b[id][0-9a-f]{20}\b")  # features.privacy: kind letter + 20 hex digits
IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
CHARTS = {"quality", "growth", "room", "delivery", "peers"}  # sections with at least one chart


@pytest.fixture(scope="module", params=["en", "zh"])
def report(request, trained, small_world, tmp_path_factory):
    lang = request.param
    if lang == "zh":
        request.getfixturevalue("cjk_font")  # tests/conftest.py: fails in CI if missing
        assert chart_language("zh") == "zh", "matplotlib finds no CJK font: English chart labels"
    out = tmp_path_factory.mktemp(f"report-{lang}") / "report.html"
    result = report_streamer(
        small_world.path,
        small_world.streamer,
        out,
        lang=lang,
        model_uri=f"models:/fanaudit/{trained.run.version}",
        tracking_uri=trained.tracking_uri,
    )
    return lang, result


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_report_renders_with_its_charts_and_no_console_errors(report, browser, small_world):
    lang, result = report
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    problems, requests = [], []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(result.out.resolve().as_uri())
    page.wait_for_load_state("load")

    expected_title = (
        f"粉丝质量审计：{small_world.streamer}"
        if lang == "zh"
        else f"Audience audit: {small_world.streamer}"
    )
    assert page.title() == expected_title
    assert page.locator("h1").inner_text() == expected_title
    sentence = page.locator("#verdict-sentence").inner_text()
    assert result.sentence in sentence.replace("\n", "")
    assert (re.search(r"[\u4e00-\u9fff]", sentence) is not None) == (lang == "zh")

    images = page.evaluate("""Array.from(document.images).map(i => ({
        src: i.src.slice(0, 22), complete: i.complete, width: i.naturalWidth,
        section: i.closest('section') ? i.closest('section').id : ''}))""")
    assert len(images) >= 4
    assert all(i["src"] == "data:image/png;base64," for i in images), images
    assert all(i["complete"] and i["width"] > 0 for i in images), images
    assert CHARTS <= {i["section"] for i in images}
    assert problems == []
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    page.close()


SECTIONS = {
    "en": {
        "delivery": "How the flagged followers arrived",
        "peers": "Compared with similar streamers",
        "footer": ("Data from ", "model version", "generated"),
        "kinds": "Kinds of bot",
        "share": "of the followers look bought or fake",
        "above": "above the bot threshold",
    },
    "zh": {
        "delivery": "被标记粉丝是怎样涌入的",
        "peers": "与同等规模主播比较",
        "footer": ("数据范围", "模型版本", "生成于"),
        "kinds": "机器粉类型",
        "share": "的粉丝疑似购买或虚假",
        "above": "高于机器粉阈值",
    },
}


def test_report_sections_of_the_audit_in_both_languages(report, browser, trained):
    """The one headline share with its interval (sentence and card), the delivery section,
    bot kinds, cumulative curves, peers, rounded probabilities and the footer."""
    lang, result = report
    words = SECTIONS[lang]
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(result.out.resolve().as_uri())
    sentence = page.locator("#verdict-sentence").inner_text()
    share = page.locator("#kpi-share .value").inner_text()
    assert re.fullmatch(r"\d+%", share)
    interval = re.search(r"(\d+)–(\d+)%", sentence)
    assert share in sentence and interval, sentence  # one figure, with its interval
    assert int(interval[1]) <= int(share[:-1]) <= int(interval[2])
    assert words["share"] in page.locator("#kpi-share").inner_text()
    assert words["above"] in page.locator("#kpi-above").inner_text()
    assert page.locator("#delivery h2").inner_text() == words["delivery"]
    delivery = page.locator("#delivery").inner_text()
    patterns = page.locator("#delivery li.pattern")
    for i in range(patterns.count()):  # each pattern named with a date in the verdict too
        assert re.search(r"\d", patterns.nth(i).inner_text())
    assert patterns.count() > 0 or "No delivery pattern" in delivery or "没有刷粉模式" in delivery
    assert page.locator("#peers h2").inner_text() == words["peers"]
    assert re.search(r"\d+%", page.locator("#peers-line").inner_text())
    assert page.locator("#cumulative").count() == 1
    assert words["kinds"] in page.locator("#kinds-title").inner_text()
    probabilities = page.locator("#example-table td.num").all_inner_texts()
    assert probabilities and all(re.fullmatch(r"(>99|<1|\d{1,2})%", p) for p in probabilities)
    footer = page.locator("#footer").inner_text()
    assert all(w in footer for w in words["footer"]) and str(trained.run.version) in footer
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", footer)
    page.close()


def test_report_shows_no_address_device_or_pseudonym(report, browser, small_world):
    """Neither in the file nor in the page Chromium renders from it (text and DOM)."""
    _, result = report
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(result.out.resolve().as_uri())
    page.wait_for_load_state("load")
    shown = page.locator("body").inner_text()
    dom = page.evaluate("document.documentElement.outerHTML")
    page.close()
    assert len(shown) > 500  # the page rendered
    logins = pd.read_parquet(small_world.path / "logins.parquet", columns=["ip", "device_id"])
    for source in (result.out.read_text(encoding="utf-8"), dom, shown):
        text = re.sub(r'src="data:image/png;base64,[^"]*"', "", source)
        for value in set(logins["ip"].dropna()) | set(logins["device_id"].dropna()):
            assert value not in text
        assert not IPV4.search(text)
        assert not PSEUDONYM.search(text)
