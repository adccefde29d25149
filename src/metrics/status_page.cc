// The HTML status page: one self-contained document (inline CSS and SVG, no
// scripts) that refreshes itself every 10 s.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "metrics/http_server.h"
#include "metrics/metrics.h"

namespace secor {
namespace {

std::string Html(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  return fmt::format("{:.1f} {}", b, units[u]);
}

std::string Clock(int64_t ms) {
  time_t t = static_cast<time_t>(ms / 1000);
  tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:02}:{:02}:{:02}Z", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

struct Point {
  int64_t time_ms;
  double value;
};

// A line chart of the last hour; x is time (now at the right edge).
std::string Chart(const std::string& title, const std::string& unit, const std::vector<Point>& pts,
                  int64_t now_ms) {
  const int w = 720, h = 160, left = 60, right = 10, top = 20, bottom = 20;
  double max = 0;
  for (const auto& p : pts) max = std::max(max, p.value);
  double ymax = max > 0 ? max * 1.1 : 1;
  std::string points;
  for (const auto& p : pts) {
    double age = static_cast<double>(now_ms - p.time_ms) / 3600000.0;
    if (age > 1) continue;
    double x = left + (w - left - right) * (1 - age);
    double y = top + (h - top - bottom) * (1 - p.value / ymax);
    points += fmt::format("{:.1f},{:.1f} ", x, y);
  }
  std::string last =
      pts.empty() ? "no data yet" : fmt::format("now {:.1f} {}", pts.back().value, unit);
  return fmt::format(
      "<figure><figcaption>{} &mdash; {} (peak {:.1f})</figcaption>"
      "<svg class=\"chart\" role=\"img\" aria-label=\"{}\" width=\"{}\" height=\"{}\" "
      "viewBox=\"0 0 {} {}\" xmlns=\"http://www.w3.org/2000/svg\">"
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fafafa\" stroke=\"#ccc\"/>"
      "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{:.0f}</text>"
      "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">0</text>"
      "<text x=\"{}\" y=\"{}\" font-size=\"11\">-60 min</text>"
      "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">now</text>"
      "<polyline fill=\"none\" stroke=\"#1f6feb\" stroke-width=\"2\" "
      "points=\"{}\"/></svg></figure>\n",
      Html(title), Html(last), max, Html(title), w, h, w, h, left, top, w - left - right,
      h - top - bottom, left - 4, top + 10, ymax, left - 4, h - bottom, left, h - 5, w - right,
      h - 5, points);
}

}  // namespace

std::string RenderStatusPage(const StatusBoard::View& view, const std::deque<StatusSample>& samples,
                             int64_t now_ms) {
  const ConsumerSnapshot& c = view.consumer;
  std::vector<Point> rate, lag;
  for (size_t i = 1; i < samples.size(); ++i) {
    double dt = static_cast<double>(samples[i].time_ms - samples[i - 1].time_ms) / 1000.0;
    if (dt <= 0) continue;
    rate.push_back({samples[i].time_ms,
                    std::max(0.0, samples[i].messages_total - samples[i - 1].messages_total) / dt});
  }
  for (const auto& s : samples) lag.push_back({s.time_ms, static_cast<double>(s.lag)});
  int64_t total_lag = 0;
  for (const auto& a : c.assignments) total_lag += a.Lag();
  // The chart ends at the figure above it (samples are up to 10 s old).
  if (view.published_ms > 0) lag.push_back({now_ms, static_cast<double>(total_lag)});
  auto& m = MetricsRegistry::Global();
  bool healthy = view.running && view.published_ms > 0 && now_ms - view.published_ms < 60000;

  std::string out = fmt::format(
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" "
      "content=\"10\">"
      "<title>secor {}</title><style>body{{font-family:sans-serif;margin:1.5em;color:#222}}"
      "table{{border-collapse:collapse;margin:.5em 0 1.5em}}td,th{{border:1px solid "
      "#ddd;padding:3px 8px;"
      "text-align:left}}th{{background:#f0f0f0}}.ok{{color:#1a7f37}}.bad{{color:#cf222e}}"
      "figure{{display:inline-block;margin:0 1em 1em 0}}</style></head><body>\n"
      "<h1>secor consume &mdash; group {}</h1>\n"
      "<p id=\"health\" class=\"{}\">{}</p>\n<table id=\"summary\">"
      "<tr><th>writer</th><td>{}</td></tr><tr><th>output</th><td>{}</td></tr>"
      "<tr><th>assigned partitions</th><td>{}</td></tr><tr><th>open files</th><td>{}</td></tr>"
      "<tr><th>rounds in flight</th><td>{}</td></tr><tr><th>messages "
      "consumed</th><td>{:.0f}</td></tr>"
      "<tr><th>lag (messages)</th><td>{}</td></tr><tr><th>staging disk</th><td>{}</td></tr>"
      "<tr><th>page time</th><td>{}</td></tr></table>\n",
      Html(c.group), Html(c.group), healthy ? "ok" : "bad",
      healthy ? "healthy: consume loop running" : "NOT HEALTHY: consume loop stopped or silent",
      Html(c.writer_id), Html(c.output), c.assignments.size(), c.open_files, c.rounds_in_flight,
      m.Total("secor_consumer_messages_total"), total_lag,
      Bytes(m.Total("secor_staging_disk_bytes")), Clock(now_ms));
  out += "<h2>Last hour</h2>\n";
  out += Chart("throughput", "messages/s", rate, now_ms);
  out += Chart("lag", "messages", lag, now_ms);
  out +=
      "<h2>Assignments</h2>\n<table id=\"assignments\"><tr><th>topic</th><th>partition</th>"
      "<th>mode</th><th>round start</th><th>last offset of the round</th><th>open files</th>"
      "<th>pending rounds</th><th>lag</th></tr>\n";
  for (const auto& a : c.assignments) {
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td></tr>\n",
        Html(a.topic), a.partition, a.replay ? "replay" : "normal", a.paused ? " (paused)" : "",
        a.round_start,
        // -1 is "the round holds nothing yet", not an offset.
        a.last_offset >= 0 ? std::to_string(a.last_offset) : std::string("none yet"), a.open_files,
        a.pending_rounds, a.Lag());
  }
  out +=
      "</table>\n<h2>Last uploads</h2>\n<table id=\"uploads\"><tr><th>time</th><th>topic</th>"
      "<th>partition</th><th>offsets</th><th>files</th><th>result</th></tr>\n";
  for (const auto& u : view.uploads) {
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}..{}</td><td>{}</td><td "
        "class=\"{}\">{}</td></tr>\n",
        Clock(u.time_ms), Html(u.topic), u.partition, u.start, u.end, u.files,
        u.error.empty() ? "ok" : "bad",
        u.error.empty() ? (u.replay ? "ok (replay)" : "ok") : Html(u.error));
  }
  out +=
      "</table>\n<h2>Recent warnings and errors</h2>\n<table id=\"errors\"><tr><th>time</th>"
      "<th>level</th><th>message</th></tr>\n";
  for (const auto& e : view.errors) {
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n", Clock(e.time_ms),
                       Html(e.level), Html(e.message));
  }
  out +=
      "</table>\n<p><a href=\"/metrics\">/metrics</a> &middot; <a href=\"/status\">/status</a> "
      "&middot; <a href=\"/healthz\">/healthz</a></p></body></html>\n";
  return out;
}

}  // namespace secor
