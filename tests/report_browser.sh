#!/bin/sh
# report_browser.sh -- varlb report's pages loaded from disk in a real
# browser (headless Chromium through chromedriver and python3-selenium;
# tests/report_browser.py says what is checked): no console error, no
# request but the page's file, a series per compressor, hover, sorting,
# legend toggles, filtering, a screenshot kept as tests/report_browser.png,
# and a 100,000-row page loading in under 2 s.  Skips (77), saying why,
# where no browser is installed: ./install-deps --with-browser installs one.
. "$top_srcdir/tests/cli_lib.sh"
cd "$TMPD" || exit 1
chromium=${VARLB_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
driver=${VARLB_CHROMEDRIVER:-$(command -v chromedriver || true)}
[ -n "$chromium" ] && [ -x "$chromium" ] \
  || { echo "no chromium here (./install-deps --with-browser installs it): skipping"; exit 77; }
[ -n "$driver" ] && [ -x "$driver" ] \
  || { echo "no chromedriver here (chromium-driver; ./install-deps --with-browser): skipping"; exit 77; }
py=
for p in "$PYTHON3" /usr/bin/python3; do
  [ -n "$p" ] && "$p" -c 'import selenium' 2>/dev/null && { py=$p; break; }
done
[ -n "$py" ] || { echo "no python3 with selenium (python3-selenium; ./install-deps --with-browser): skipping"; exit 77; }
"$chromium" --version >version 2>err && [ -s version ] \
  || { fail "chromium does not run: $(cat version err)"; finish; }
echo "browser: $(cat version), $("$driver" --version | head -1)"

"$VARLB" sweep --compressors identity,kivi,h2o,ratedist --ratios 0.1,0.5 --seeds 1,2 \
  --n 8 -d 16 --out s.csv --tokens tok.csv --no-timing >/dev/null 2>err \
  || { fail "sweep: $(cat err)"; finish; }
"$VARLB" report s.csv tok.csv --out small.html >/dev/null 2>err || { fail "report: $(cat err)"; finish; }
"$py" "$top_srcdir/tests/report_check.py" synth s.csv big.csv 100000 >/dev/null || { fail "synthesis"; finish; }
"$VARLB" report big.csv --out big.html >/dev/null 2>err || { fail "report of 100,000 rows: $(cat err)"; finish; }

shot="$top_builddir/tests/report_browser.png"
rm -f "$shot"
# The browser gets four minutes in all (each page load has 30 s).
timeout -k 10 240 "$py" "$top_srcdir/tests/report_browser.py" "$chromium" "$driver" \
  small.html s.csv big.html "$shot" >out 2>&1; rc=$?
cat out
[ "$rc" -eq 0 ] && ! grep -q '^FAIL' out && [ "$(grep -c '^ok' out)" -ge 15 ] \
  && pass "the pages in $(cat version)" || fail "in the browser: rc=$rc"
finish
