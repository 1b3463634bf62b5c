// The library over a staged scenario: nbconnect's own connect once per detection method and per
// poller, all at the same time, each outcome compared with the scenario's truth.
#include <sys/resource.h>

#include <cmath>
#include <optional>
#include <thread>

#include "lab/probe.hpp"

namespace nbc::lab {

Record library_matrix(const Scenario& sc, const Stage& st, std::chrono::milliseconds wait) {
  struct Job {
    Method method;
    Backend backend;
    bool available;
    Endpoint target;
    std::optional<Endpoint> source;
    Outcome outcome;
    double cpu_ms = 0;  // CPU time the connect's thread used: a busy wait shows here
  };
  std::vector<Job> jobs;
  std::vector<Socket> reserved;
  for (Method m : kMethods) {
    for (Backend b : kBackends) {
      Job job{m, b, backend_available(b), st.target, std::nullopt, {}};
      if (st.self_connect) {
        // A port of its own per job, held until every job has one so that they differ.
        std::uint16_t port = 0;
        std::string error;
        if (auto s = reserve_port(AF_INET, port, error)) reserved.push_back(std::move(*s));
        job.target = loopback_of(AF_INET, port);
        job.source = job.target;
      }
      jobs.push_back(std::move(job));
    }
  }
  reserved.clear();

  // Concurrently: a scenario with no answer then costs one wait, not sixteen.
  std::vector<std::thread> threads;
  for (Job& job : jobs) {
    if (!job.available) continue;
    threads.emplace_back([&job, wait] {
      ConnectOptions o;
      o.timeout = wait;
      o.method = job.method;
      o.backend = job.backend;
      o.source = job.source;
      o.linger_zero = true;
      o.keep_socket = false;
      rusage before{}, after{};
      ::getrusage(RUSAGE_THREAD, &before);
      job.outcome = connect(job.target, o);
      ::getrusage(RUSAGE_THREAD, &after);
      auto ms = [](const rusage& u) {
        return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
               (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
      };
      job.cpu_ms = std::round((ms(after) - ms(before)) * 1000.0) / 1000.0;
    });
  }
  for (std::thread& t : threads) t.join();

  Record out = Record::array();
  for (const Job& job : jobs) {
    Record j;
    j["method"] = std::string(to_string(job.method));
    j["backend"] = std::string(to_string(job.backend));
    if (!job.available) {
      j["available"] = false;
      out.push_back(std::move(j));
      continue;
    }
    const Outcome& o = job.outcome;
    j["available"] = true;
    j["state"] = std::string(to_string(o.state));
    j["reason"] = o.reason_name();
    j["errno"] = errno_json(o.error);
    j["phase"] = std::string(to_string(o.phase));
    j["rtt_ms"] = std::round(to_ms(o.rtt) * 1000.0) / 1000.0;
    j["attempts"] = o.attempts;
    j["cpu_ms"] = job.cpu_ms;
    j["correct"] = to_string(o.state) == sc.truth_state && o.reason_name() == sc.truth_reason;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace nbc::lab
