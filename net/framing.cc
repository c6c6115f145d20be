// CheckRequestFraming; the rules are in framing.h.
#include "net/framing.h"

#include <string>

namespace slotsim::net {

namespace {

bool AllDigits(std::string_view v) {
  if (v.empty() || v.size() > 19) return false;  // 19 digits always fit in uint64_t
  for (char c : v) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string_view Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

}  // namespace

Status CheckRequestFraming(int version, const HttpHeaders& headers) {
  const int lengths = CountHeaders(headers, "Content-Length");
  const int codings = CountHeaders(headers, "Transfer-Encoding");
  if (lengths > 1) return Status::InvalidArgument("more than one Content-Length");
  if (lengths == 1) {
    std::string_view v = Trim(FindHeader(headers, "Content-Length"));
    if (!AllDigits(v)) {
      return Status::InvalidArgument("Content-Length is not a decimal number: '" + std::string(v) +
                                     "'");
    }
  }
  if (codings == 0) return Status::Ok();
  if (lengths > 0) return Status::InvalidArgument("Content-Length with Transfer-Encoding");
  if (version < 11) return Status::InvalidArgument("Transfer-Encoding in an HTTP/1.0 request");
  if (codings > 1) return Status::InvalidArgument("more than one Transfer-Encoding");
  std::string_view v = Trim(FindHeader(headers, "Transfer-Encoding"));
  if (!EqualsIgnoreCase(v, "chunked")) {
    return Status::InvalidArgument("unsupported Transfer-Encoding: '" + std::string(v) + "'");
  }
  return Status::Ok();
}

}  // namespace slotsim::net
