// The server's strict reading of a request's message framing (RFC 9112 section 6), checked on
// the header block before any body byte is read. Two parsers that disagree on where a body ends
// are how requests get smuggled, so everything a lenient parser would "repair" is refused:
//   - more than one Content-Length header, or a list value ("5, 5"), even when equal;
//   - a Content-Length that is not 1*DIGIT: "+5", "-1", "0x10", "5a", "", over 19 digits;
//   - Content-Length together with Transfer-Encoding;
//   - any Transfer-Encoding other than exactly one "chunked" (gzip, identity, "chunked,
//     chunked", two Transfer-Encoding headers): unknown codings cannot be framed;
//   - Transfer-Encoding in an HTTP/1.0 request.
// Beast's parser, which the server runs first, accepts the equal duplicates and list values and
// reads a request with "Transfer-Encoding: gzip" as having no body; this check closes both.
#pragma once

#include "common/status.h"
#include "net/http_message.h"

namespace slotsim::net {

// OK, or InvalidArgument naming what is wrong (the server answers 400 and closes).
Status CheckRequestFraming(int version, const HttpHeaders& headers);

}  // namespace slotsim::net
