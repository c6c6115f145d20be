// The server side of one accepted TCP connection: admission, then the read / handle / write
// loop with every deadline and limit of HttpServerOptions. Internal to net/ (Asio in the
// signature; Beast only in the .cc).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "net/server_shared.h"

namespace slotsim::net {

// Takes a just-accepted socket (bound to the io context it will live on): admits it and starts
// serving it there, or answers 503 and closes it when a connection limit refuses it. Called on
// the acceptor's thread; never throws.
void ServeConnection(std::shared_ptr<ServerShared> shared, boost::asio::ip::tcp::socket socket);

}  // namespace slotsim::net
