// Umbrella header of libnbconnect.
#pragma once

#include "nbconnect/connect.hpp"
#include "nbconnect/dialer.hpp"
#include "nbconnect/endpoint.hpp"
#include "nbconnect/engine.hpp"
#include "nbconnect/outcome.hpp"
#include "nbconnect/socket.hpp"
