-- Shared by the wrk scripts of bench/run.sh: the bearer token and a tally of
-- responses by status. Each wrk thread runs its own copy of this module.

local common = {}

-- Read one role's token from demo-tokens.json. The path comes from the
-- environment (BENCH_TOKENS) so that the token never appears on a command line.
function common.authorization(role)
	local path = os.getenv("BENCH_TOKENS")
	if not path then
		error("BENCH_TOKENS is not set: give the path of demo-tokens.json")
	end
	local file = assert(io.open(path, "r"))
	local text = file:read("*a")
	file:close()
	local token = text:match('"' .. role .. '"%s*:%s*"([^"]+)"')
	if not token then
		error("no " .. role .. " token in " .. path)
	end
	return "Bearer " .. token
end

-- Add one to tally[key], creating the entry on first use.
function common.count(tally, key)
	tally[key] = (tally[key] or 0) + 1
end

-- Print the tallies of all threads, summed, as "bench-tally KEY COUNT" lines for
-- bench/run.sh to read.
function common.print_tally(threads, name)
	local total = {}
	for _, thread in ipairs(threads) do
		local tally = thread:get(name) or {}
		for key, value in pairs(tally) do
			total[key] = (total[key] or 0) + value
		end
	end
	local keys = {}
	for key in pairs(total) do
		table.insert(keys, key)
	end
	table.sort(keys)
	for _, key in ipairs(keys) do
		print(string.format("bench-tally %s %d", key, total[key]))
	end
end

return common
