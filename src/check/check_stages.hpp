// The check stages (TLS, expect, HTTP) and the one call that makes those a CheckOptions asks
// for; make_stages() (stages.cpp) appends them after the stages of the connect itself.
#pragma once

#include <memory>

#include "check/session.hpp"
#include "nbconnect/check.hpp"
#include "stage.hpp"

namespace nbc::detail {

// Appends TLS (with options.tls), then HTTP (with http_path, using expect on the body) or expect
// (with send or expect), all sharing one Session. Appends nothing when !options.any().
void append_check_stages(Stages& stages, const Endpoint& target, const CheckOptions& options,
                         const Tracer& trace);

namespace check {
std::unique_ptr<Stage> make_tls_stage(std::shared_ptr<Session> session);
std::unique_ptr<Stage> make_expect_stage(std::shared_ptr<Session> session);
std::unique_ptr<Stage> make_http_stage(std::shared_ptr<Session> session);
}  // namespace check

}  // namespace nbc::detail
