-- wrk script: approve pending requests as demo-admin, each id once. The ids come
-- one per line from the file given after "--". Thread N of T takes every T-th id
-- starting at the N-th, so no two threads approve the same request.
--   wrk -t T ... -s bench/approve.lua URL -- IDS_FILE T
--
-- A thread that runs out of ids stops, and done() then prints "bench-exhausted",
-- because sending an id again would measure 409 responses instead of approvals.

package.path = (os.getenv("BENCH_SCRIPTS") or "bench") .. "/?.lua;" .. package.path
local common = require("common")

local threads = {}

function setup(thread)
	thread:set("slot", #threads)
	table.insert(threads, thread)
end

function init(args)
	local path, stride = args[1], tonumber(args[2])
	if not path or not stride then
		error("approve.lua: give the ids file and the thread count after --")
	end
	tally = {}
	ids = {}
	exhausted = false
	local index = 0
	for line in io.lines(path) do
		if index % stride == slot then
			table.insert(ids, line)
		end
		index = index + 1
	end
	headers = {
		["Authorization"] = common.authorization("admin"),
		["Content-Type"] = "application/json",
	}
	position = 1
end

function request()
	local id = ids[position]
	if not id then
		if not exhausted then
			exhausted = true
			wrk.thread:stop()
		end
		-- wrk stops this thread's loop after this request, and /healthz changes nothing.
		return wrk.format("GET", "/healthz")
	end
	position = position + 1
	return wrk.format("POST", "/v1/requests/" .. id .. "/approve", headers,
		'{"reason":"benchmark"}')
end

function response(status, headers, body)
	if status == 200 and body:find('"status":"approved"', 1, true) then
		common.count(tally, "200-approved")
	elseif status == 200 and body:find('"status":"ok"', 1, true) then
		common.count(tally, "healthz")
	else
		common.count(tally, status .. "-" .. (body:match('"code":"([%w_]+)"') or "other"))
	end
end

function done(summary, latency, requests)
	common.print_tally(threads, "tally")
	for _, thread in ipairs(threads) do
		if thread:get("exhausted") then
			print("bench-exhausted")
			return
		end
	end
end
