-- wrk script: create pending requests as demo-requester, cycling through the
-- resources given after "--", and write the ids of the created ones (one per
-- line) to the file given first after "--".
--   wrk ... -s bench/create.lua URL -- IDS_FILE RESOURCE...

package.path = (os.getenv("BENCH_SCRIPTS") or "bench") .. "/?.lua;" .. package.path
local common = require("common")

local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	output_path = args[1]
	tally = {}
	created = {}
	prepared = {}
	local headers = {
		["Authorization"] = common.authorization("requester"),
		["Content-Type"] = "application/json",
	}
	for i = 2, #args do
		local body = string.format('{"resource":"%s","role":"read","reason":"benchmark",'
			.. '"duration_seconds":3600}', args[i])
		table.insert(prepared, wrk.format("POST", "/v1/requests", headers, body))
	end
	if #prepared == 0 then
		error("create.lua: give the ids file and at least one resource after --")
	end
	next_request = 1
end

function request()
	local text = prepared[next_request]
	next_request = next_request % #prepared + 1
	return text
end

function response(status, headers, body)
	local id = status == 201 and body:match('^{"id":(%d+)')
	if id then
		table.insert(created, tonumber(id))
	end
	common.count(tally, tostring(status))
end

function done(summary, latency, requests)
	local file = assert(io.open(threads[1]:get("output_path"), "w"))
	for _, thread in ipairs(threads) do
		for _, id in ipairs(thread:get("created")) do
			file:write(id, "\n")
		end
	end
	file:close()
	common.print_tally(threads, "tally")
end
