-- wrk script: heartbeat polls against `slotsim serve` (docs/serve.md, "Throughput").
--   wrk -t2 -c50 -d10s -s scripts/wrk-heartbeat.lua http://127.0.0.1:8080
-- Each wrk thread cycles through 64 virtual clients; every request is one client's heartbeat
-- poll that re-asserts its hold on its own slot (employee 1..20, a slot of 09:00..16:30) two
-- days ahead, so the server does a real hold refresh per request, as browsers do every beat.

local date = os.date("!%Y-%m-%d", os.time() + 2 * 86400)
local clients_per_thread = 64
local thread_counter = 0

function setup(thread)
  thread:set("thread_index", thread_counter)
  thread_counter = thread_counter + 1
end

local bodies = {}

function init(args)
  for k = 0, clients_per_thread - 1 do
    local n = (thread_index or 0) * clients_per_thread + k
    local employee = (n % 20) + 1
    local slot = math.floor(n / 20) % 16
    local time = string.format("%02d:%02d", 9 + math.floor(slot / 2), (slot % 2) * 30)
    bodies[k + 1] = "action=heartbeat&screen_id=front&has_focus=true&interval=5"
      .. "&data[appointease_poll][date]=" .. date
      .. "&data[appointease_poll][employee_id]=" .. employee
      .. "&data[appointease_poll][client_id]=wrk_" .. n
      .. "&data[appointease_poll][selected_time]=" .. time
  end
end

local next_body = 0
local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }

function request()
  next_body = next_body % #bodies + 1
  return wrk.format("POST", "/wp-admin/admin-ajax.php", headers, bodies[next_body])
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx or socket errors: %d\n",
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
