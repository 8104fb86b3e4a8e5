-- Replays pre-signed webhook deliveries with wrk, one per request, in file order.
-- Each line of the file given after `--` is: <path> TAB <X-Cal-Signature-256> TAB <body>.
-- With T threads, thread k sends lines k+1, k+1+T, ... so no two threads send the same line.
-- done() prints one line `WRK_RESULT {json}` that tools/bench/wrk.ts reads.

local threads = {}

setup = function(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

requests = {}
sent = 0
statuses = {}
lines = 0

init = function(args)
  local file = args[1]
  local index = 0
  local total = tonumber(args[2]) or 1
  for line in io.lines(file) do
    if index % total == thread_index then
      local path, signature, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      requests[#requests + 1] = wrk.format("POST", path, {
        ["Content-Type"] = "application/json",
        ["X-Cal-Signature-256"] = signature,
        ["X-Cal-Webhook-Version"] = "2021-10-20",
      }, body)
    end
    index = index + 1
  end
  lines = #requests
end

request = function()
  sent = sent + 1
  return requests[((sent - 1) % #requests) + 1]
end

response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests_stats)
  local merged = {}
  local total_sent = 0
  local total_lines = 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + count
    end
    total_sent = total_sent + thread:get("sent")
    total_lines = total_lines + thread:get("lines")
  end
  local parts = {}
  for status, count in pairs(merged) do
    parts[#parts + 1] = string.format('"%d":%d', status, count)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"durationUs":%d,"requests":%d,"sent":%d,"lines":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latencyUs":{"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d},"statuses":{%s}}\n',
    summary.duration, summary.requests, total_sent, total_lines,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), table.concat(parts, ",")))
end
