// Decide the policy benchmark's requests with Cedar (npm's @cedar-policy/cedar-wasm),
// the way bench/policy_bench decides them with Gatehouse, and print the rate.
//
//   node bench/policy_cedar.mjs CEDAR_DIR POLICY.json REQUESTS.csv COUNT MODE OUTCOMES
//
// CEDAR_DIR is the folder npm installed the package into; POLICY.json comes from
// "policy_bench cedar". The first COUNT requests of REQUESTS.csv are decided.
// MODE is "preparsed" (the policy set is parsed once, then statefulIsAuthorized
// runs per request) or "parsed-per-call" (isAuthorized, which parses the policy
// text on every call). OUTCOMES gets one line per request, "OUTCOME RULE" with
// RULE -1 for the default, in the format policy_bench writes.
//
// Cedar returns allow or deny and lists the policies that determined it: the
// forbids that matched when it denies, the permits that matched when it allows.
// Every Gatehouse rule is one Cedar policy (deny as forbid, allow and require as
// permit), so the Gatehouse outcome follows from that list with Gatehouse's own
// combination: the first deny; else the require with the most approvals, the
// earlier on a tie; else the first allow; with no policy, the default.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const [cedarDir, policyPath, requestsPath, countText, mode, outcomesPath] = process.argv.slice(2);
if (!outcomesPath || !['preparsed', 'parsed-per-call'].includes(mode)) {
	console.error('usage: node policy_cedar.mjs CEDAR_DIR POLICY.json REQUESTS.csv COUNT ' +
		'preparsed|parsed-per-call OUTCOMES');
	process.exit(2);
}

const require = createRequire(`${cedarDir}/`);
const cedar = require('@cedar-policy/cedar-wasm/nodejs');
const policy = JSON.parse(readFileSync(policyPath, 'utf8'));
const staticPolicies = {};
policy.rules.forEach((rule, index) => { staticPolicies[`r${index}`] = rule.cedar; });

const columns = ['resource_id', 'requester_manager', 'requester_rollup1', 'requester_rollup2',
	'requester_department', 'requester_title', 'requester_family_desc', 'requester_family',
	'requester_role_code'];

// Build the requests before timing, as policy_bench splits its rows before timing.
function readRequests(path, count) {
	const lines = readFileSync(path, 'utf8').split('\n');
	const requests = [];
	for (let i = 1; i < lines.length && requests.length < count; i++) {
		if (lines[i] === '')
			continue;
		const fields = lines[i].split(',');
		const context = {};
		columns.forEach((name, c) => { context[name] = fields[c + 1]; });
		requests.push({
			principal: { type: 'User', id: fields[2] },
			action: { type: 'Action', id: 'request' },
			resource: { type: 'Resource', id: fields[1] },
			context,
			entities: [],
		});
	}
	return requests;
}

function gatehouseOutcome(answer) {
	if (answer.type !== 'success')
		throw new Error(`Cedar returned a failure: ${JSON.stringify(answer.errors)}`);
	const { decision, diagnostics } = answer.response;
	if (diagnostics.errors.length > 0)
		throw new Error(`Cedar reported errors: ${JSON.stringify(diagnostics.errors)}`);
	const indexes = diagnostics.reason.map((id) => Number(id.slice(1))).sort((a, b) => a - b);
	if (indexes.length === 0)
		return [policy.default, -1];
	if (decision === 'deny')
		return ['deny', indexes[0]];
	let best = -1;
	for (const index of indexes) {
		const rule = policy.rules[index];
		if (rule.outcome !== 'require')
			continue;
		if (best < 0 || rule.approvals > policy.rules[best].approvals)
			best = index;
	}
	return best >= 0 ? ['require', best] : ['allow', indexes[0]];
}

const requests = readRequests(requestsPath, Number(countText));
let authorize;
if (mode === 'preparsed') {
	const parsed = cedar.preparsePolicySet('benchmark', { staticPolicies });
	if (parsed.type !== 'success')
		throw new Error(`Cedar rejected the policy: ${JSON.stringify(parsed.errors)}`);
	authorize = (request) => cedar.statefulIsAuthorized({ ...request, preparsedPolicySetId: 'benchmark' });
} else {
	authorize = (request) => cedar.isAuthorized({ ...request, policies: { staticPolicies } });
}

const outcomes = new Array(requests.length);
const started = process.hrtime.bigint();
const cpuStarted = process.cpuUsage();
for (let i = 0; i < requests.length; i++)
	outcomes[i] = gatehouseOutcome(authorize(requests[i]));
const wall = Number(process.hrtime.bigint() - started) / 1e9;
const cpu = process.cpuUsage(cpuStarted);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;

writeFileSync(outcomesPath, outcomes.map(([outcome, rule]) => `${outcome} ${rule}\n`).join(''));
console.log(`cedar ${cedar.getCedarVersion()} (${mode}): ${requests.length} decisions in ` +
	`${wall.toFixed(3)} s wall, ${cpuSeconds.toFixed(3)} s CPU: ` +
	`${Math.round(requests.length / cpuSeconds)} decisions/s`);
