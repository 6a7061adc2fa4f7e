# 60-report.sh: the `make run` report's share of `make test` (sourced by
# tools/test.sh, which defines `step`).
#   report-browser  the report tools/report-html.sh makes from fixed inputs
#                   (tools/tests/report-fixture) renders in headless
#                   Chromium with every table and image and no console
#                   message, and six broken copies of it fail that check
step report-browser env BUILD="$BUILD" tools/tests/report-browser.sh
