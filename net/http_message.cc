// Header look-ups of http_message.h.
#include "net/http_message.h"

namespace slotsim::net {

namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::string_view FindHeader(const HttpHeaders& headers, std::string_view name) {
  for (const HttpHeader& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) return h.value;
  }
  return {};
}

int CountHeaders(const HttpHeaders& headers, std::string_view name) {
  int n = 0;
  for (const HttpHeader& h : headers) n += EqualsIgnoreCase(h.name, name) ? 1 : 0;
  return n;
}

}  // namespace slotsim::net
