-- wrk script: GET the URL given on wrk's command line with the admin's bearer
-- token. bench/run.sh uses it for both gatehoused and nginx, so that both see
-- the same request bytes. No response() is defined, so wrk skips body parsing.

package.path = (os.getenv("BENCH_SCRIPTS") or "bench") .. "/?.lua;" .. package.path
local common = require("common")

wrk.headers["Authorization"] = common.authorization("admin")
