#!/usr/bin/env python3
"""report_browser.py -- varlb report's pages in headless Chromium, driven
through chromedriver (python3-selenium):

  report_browser.py CHROMIUM CHROMEDRIVER SMALL.html SMALL.csv BIG.html SHOT.png

On the small page: no console error (and the console is heard: a probe
error logged afterwards is found), no request but the page's own file (from
the DevTools performance log, which must show that one request), every
chart has one series per compressor of the CSV, a hover shows a marker's
numbers, a click on a column header sorts the leaderboard (both ways), a
legend entry hides and shows its series in both panels, the filter box
narrows the leaderboard; a screenshot of the whole page is kept as SHOT.
On the big page: the same console and network checks, and the time from
navigation start to the load event, three loads, median under 2 s.
Prints one line per check ("ok ..." or "FAIL ..."); exit 1 on a failure."""
import csv
import json
import os
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

failures = 0


def check(cond, msg):
    global failures
    print(("ok   " if cond else "FAIL ") + msg)
    failures += not cond


def browser(chromium, chromedriver):
    o = webdriver.ChromeOptions()
    o.binary_location = chromium
    # As root Chromium needs --no-sandbox; the rest keep it off the network
    # (no background requests, updates, sync or QUIC).
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
              "--no-first-run", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--disable-default-apps", "--hide-scrollbars",
              "--user-data-dir=" + tempfile.mkdtemp(), "--window-size=1400,1000"):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    d = webdriver.Chrome(service=Service(chromedriver), options=o)
    d.set_page_load_timeout(30)
    d.set_script_timeout(10)
    return d


def requests(d):
    """The URLs the page asked for, from the DevTools performance log."""
    urls = []
    for e in d.get_log("performance"):
        m = json.loads(e["message"])["message"]
        if m["method"] == "Network.requestWillBeSent":
            urls.append(m["params"]["request"]["url"])
        elif m["method"] == "Network.webSocketCreated":
            urls.append(m["params"]["url"])
    return urls


def console_and_network(d, url, name):
    errors = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    check(not errors, "%s: no console error %s" % (name, [e["message"][:200] for e in errors]))
    d.execute_script("console.error('varlb-probe')")
    heard = [e for e in d.get_log("browser") if "varlb-probe" in e["message"]]
    check(heard, "%s: the console is heard (a probe error logged after the load is found)" % name)
    urls = requests(d)
    others = [u for u in urls if u != url and not u.startswith("data:")]
    check(url in urls and not others,
          "%s: the one request is the page's own file (%d seen%s)" % (name, len(urls),
                                                                      ": " + " ".join(others) if others else ""))


def compressors(path):
    return sorted({r["compressor"] for r in csv.DictReader(open(path, newline=""))})


def fresh_load(d, url):
    """Load URL after a blank page, the logs emptied: what they then hold
    is the page's (the browser's own start page makes requests of its own)."""
    d.get("about:blank")
    d.get_log("performance"), d.get_log("browser")
    d.get(url)


def small_page(d, page, rows, shot):
    url = "file://" + os.path.abspath(page)
    fresh_load(d, url)
    console_and_network(d, url, "small page")
    want = compressors(rows)
    for chart in ("chart-frontier", "chart-gap"):
        groups = d.find_elements(By.CSS_SELECTOR, "#%s g.series" % chart)
        counts = [len(g.find_elements(By.CSS_SELECTOR, "path.pt")) for g in groups]
        check(len(groups) == len(want) and all(counts),
              "%s: %d series for the %d compressors of the CSV, markers %s" % (chart, len(groups), len(want), counts))
    for key in ("fano", "ratedist", "trivial"):
        line = d.find_elements(By.CSS_SELECTOR, '#chart-frontier [data-s="%s"] polyline' % key)
        check(line and len(line[0].get_attribute("points").split()) > 100,
              "the %s curve is drawn" % key)

    # Hover over a marker: the tip shows its compressor and numbers.
    mark = d.find_element(By.CSS_SELECTOR, "#chart-frontier g.series path.pt")
    ActionChains(d).move_to_element(mark).perform()
    tip = d.find_element(By.ID, "tip")
    text = tip.text
    check(tip.is_displayed() and "accuracy" in text and any(c in text for c in want),
          "hover shows the marker's row: %r" % text[:120])

    # Sorting the leaderboard by a click on a header, then the other way.
    head = [th for th in d.find_elements(By.CSS_SELECTOR, "#board th") if th.text.startswith("best efficiency")][0]
    col = [th.text for th in d.find_elements(By.CSS_SELECTOR, "#board th")].index(head.text)

    def column():
        vals = d.execute_script(
            "return Array.from(document.querySelectorAll('#board tbody tr'))"
            ".map(r => r.cells[%d].getAttribute('data-v'))" % col)
        return [float(v) for v in vals if v not in ("", "nan")]

    before = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#board tbody tr")]
    head.click()
    first = column()
    head.click()
    second = column()
    check(head.get_attribute("aria-sort") == "ascending" and second == sorted(second)
          and first == sorted(first, reverse=True) and len(first) > 1,
          "a click on 'best efficiency' sorts the leaderboard best first, a second click the "
          "other way (%s)" % first)
    byname = [th for th in d.find_elements(By.CSS_SELECTOR, "#board th") if th.text == "compressor"][0]
    byname.click()
    names = [r.find_elements(By.TAG_NAME, "td")[1].text for r in d.find_elements(By.CSS_SELECTOR, "#board tbody tr")]
    check(names == sorted(names) and sorted(before) == sorted(
        r.text for r in d.find_elements(By.CSS_SELECTOR, "#board tbody tr")),
          "a click on 'compressor' sorts by name, keeping every line: %s" % names)

    # A legend entry hides its series in both panels, and shows it again.
    button = d.find_element(By.CSS_SELECTOR, '#fig-frontier .legend button[data-s="0"]')
    marks = d.find_elements(By.CSS_SELECTOR, '#fig-frontier svg [data-s="0"] path.pt')
    shown = all(m.is_displayed() for m in marks)
    button.click()
    hidden = not any(m.is_displayed() for m in marks)
    others = d.find_elements(By.CSS_SELECTOR, '#fig-frontier svg [data-s="1"] path.pt')
    button.click()
    check(marks and shown and hidden and all(m.is_displayed() for m in marks)
          and all(m.is_displayed() for m in others),
          "legend entry '%s' hides its %d markers in both panels and shows them again"
          % (button.text, len(marks)))

    # The filter box narrows the leaderboard.
    box = d.find_element(By.CSS_SELECTOR, 'input.filter[data-table="board"]')
    box.send_keys(want[0])
    rows = d.find_elements(By.CSS_SELECTOR, "#board tbody tr")
    seen = [r for r in rows if r.is_displayed()]
    for _ in want[0]:
        box.send_keys(Keys.BACKSPACE)
    back = [r for r in rows if r.is_displayed()]
    check(seen and len(seen) < len(rows) and all(want[0] in r.text for r in seen)
          and len(back) == len(rows),
          "typing '%s' in the filter leaves %d of %d lines, erasing it all of them" % (want[0], len(seen), len(rows)))

    # The whole page as a picture, kept as the test's artifact.
    h = d.execute_script("return document.documentElement.scrollHeight")
    d.set_window_size(1400, min(h, 16000))
    d.execute_script("window.scrollTo(0, 0)")
    d.save_screenshot(shot)
    with open(shot, "rb") as f:
        png = f.read(8)
    check(png == b"\x89PNG\r\n\x1a\n" and os.path.getsize(shot) > 50000,
          "screenshot of the whole page (%d px high) kept: %s" % (h, shot))
    d.set_window_size(1400, 1000)


def big_page(d, page):
    url = "file://" + os.path.abspath(page)
    times = []
    for i in range(3):
        fresh_load(d, url)
        t = d.execute_script("var n = performance.getEntriesByType('navigation')[0];"
                             "return [n.startTime, n.loadEventEnd];")
        times.append(t[1] - t[0])
    console_and_network(d, url, "100,000-row page")
    times.sort()
    check(all(t > 0 for t in times) and times[1] < 2000,
          "100,000-row page (%d bytes): navigation start to load event %s ms (median %.0f ms, "
          "under 2 s)" % (os.path.getsize(page), ", ".join("%.0f" % t for t in times), times[1]))


def main():
    chromium, chromedriver, small, rows, big, shot = sys.argv[1:7]
    d = browser(chromium, chromedriver)
    try:
        small_page(d, small, rows, shot)
        big_page(d, big)
    finally:
        d.quit()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
