-- GET a page as a logged-in customer (BENCH_COOKIE) or anonymously.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
require("common")
local cookie = os.getenv("BENCH_COOKIE")
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
