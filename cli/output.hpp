// Formatting of outcomes as text, JSON and CSV. The only place that decides how a result looks.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "nbconnect/nbconnect.hpp"

namespace nbc::cli {

// {"target":..,"address":..,"port":..,"family":..,"state":..,"reason":..,"errno":..,
//  "phase":..,"rtt_ms":..,"attempts":..}
nlohmann::ordered_json outcome_json(const Outcome& outcome, std::string_view target);

// "127.0.0.1:6779 closed (conn-refused: Connection refused) in 0.081 ms"
std::string outcome_text(const Outcome& outcome);

// "0.081 ms"
std::string format_ms(std::chrono::nanoseconds d);

// One JSON object and a newline, whatever bytes its strings hold.
std::string json_line(const nlohmann::ordered_json& record);

// Writes one JSON object and a newline to stdout.
void print_json_line(const nlohmann::ordered_json& record);

}  // namespace nbc::cli
