// Umbrella header of libnbconnect.
#pragma once

#include "nbconnect/connect.hpp"
#include "nbconnect/connector.hpp"
#include "nbconnect/dialer.hpp"
#include "nbconnect/endpoint.hpp"
#include "nbconnect/engine.hpp"
#include "nbconnect/event_loop.hpp"
#include "nbconnect/options.hpp"
#include "nbconnect/outcome.hpp"
#include "nbconnect/proxy.hpp"
#include "nbconnect/reactor.hpp"
#include "nbconnect/scan_targets.hpp"
#include "nbconnect/socket.hpp"
