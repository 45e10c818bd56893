#!/usr/bin/env bash
# Replaces citations of the design document that is not in the repository (DESIGN with a section sign and number, "DESIGN.md
# section n", ...) by the repository's own reference documents. Mechanical and idempotent: run it from
# the repository root on any branch (`bash scripts/cite-repo-docs.sh`), then check with
#   grep -rn "DESIGN" --exclude-dir=node_modules --exclude-dir=.git . | grep -v scripts/cite-repo-docs.sh
# Mapping of the design document's sections, cited as "DESIGN", "DESIGN.md" or "DESIGN section" + n
# (most specific first):
#   §4 "compare --format json"   -> docs/compare.md "JSON report"
#   "command line (...§4)"       -> command line (docs/cli.md)
#   §6a -> docs/statistics.md#drift-decisions      §6 -> docs/statistics.md
#   §5  -> docs/api.md#health-report               §4 -> docs/compare.md
#   §3  -> docs/api.md                             §2 -> docs/log-schema.md
#   §7  -> docs/metrics.md                         §8 -> docs/configuration.md#plugins
#   §1  -> README.md
#   and a few phrasings: "DESIGN's missing tokens and type rule", "DESIGN's rule", "DESIGN's key
#   order", "DESIGN key order", "DESIGN asks" (see the substitutions below).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
git grep -lI 'DESIGN' -- . ':!node_modules' ':!scripts/cite-repo-docs.sh' | while read -r file; do
  perl -pi -e '
    s/DESIGN(?:\.md)? ?§ ?4 "compare --format json"/docs\/compare.md "JSON report"/g;
    s/command line \(DESIGN(?:\.md)? ?§ ?4\)/command line (docs\/cli.md)/g;
    s/DESIGN(?:\.md)? ?§ ?6a/docs\/statistics.md#drift-decisions/g;
    s/DESIGN(?:\.md)? ?§ ?6/docs\/statistics.md/g;
    s/DESIGN(?:\.md)? ?§ ?5/docs\/api.md#health-report/g;
    s/DESIGN(?:\.md)? ?§ ?4/docs\/compare.md/g;
    s/DESIGN(?:\.md)? ?§ ?3/docs\/api.md/g;
    s/DESIGN(?:\.md)? ?§ ?2/docs\/log-schema.md/g;
    s/DESIGN(?:\.md)? ?§ ?7/docs\/metrics.md/g;
    s/DESIGN(?:\.md)? ?§ ?8/docs\/configuration.md#plugins/g;
    s/DESIGN(?:\.md)? ?§ ?1\b/README.md/g;
    s/DESIGN(?:\.md)? sections 4 and 6/docs\/compare.md and docs\/statistics.md/g;
    s/DESIGN(?:\.md)? section 6/docs\/statistics.md/g;
    s/DESIGN(?:\.md)? section 4/docs\/compare.md/g;
    s/DESIGN\x27s missing tokens and type rule/the missing tokens and type rule of docs\/compare.md/g;
    s/DESIGN\x27s rule is applied/The type rule is applied/g;
    s/DESIGN\x27s rule applied/the type rule of docs\/compare.md applied/g;
    s/DESIGN\x27s key order/the key order of docs\/compare.md/g;
    s/DESIGN key order/docs\/compare.md key order/g;
    s/DESIGN asks/docs\/statistics.md asks/g;
  ' "$file"
done
