// SendDelays: the three parts of an operation's delay before it was sent (send_delays.h).
#include "simulator/observe/send_delays.h"

#include <algorithm>

namespace slotsim {

void SendDelays::Record(Timestamp intended, Timestamp sendable, Timestamp submitted,
                        Timestamp invoked) {
  const auto part = [](Timestamp from, Timestamp to) {
    return std::max<int64_t>(0, (to - from).count());
  };
  const int64_t busy = part(intended, sendable);
  const int64_t late = part(sendable, submitted);
  const int64_t wait = part(submitted, invoked);
  client_busy.Record(busy);
  harness_lateness.Record(late);
  worker_wait.Record(wait);
  client_busy_us += busy;
  harness_us += late;
  worker_wait_us += wait;
  ++ops;
  if (busy + late + wait > kLate.count()) ++late_ops;
  if (late > kLate.count()) ++harness_late_ops;
}

}  // namespace slotsim
