#include "ops/status_page.hpp"

#include <fmt/format.h>

#include <ctime>

#include "build_info.hpp"

namespace regcache::ops {
namespace {

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f4f6f8;color:#1d2733}
header{background:#1d3557;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:20px}header small{opacity:.8}
main{padding:16px 24px;display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:16px}
section{background:#fff;border-radius:8px;padding:14px 18px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
section.wide{grid-column:1/-1}
h2{font-size:15px;margin:0 0 10px;color:#457b9d;text-transform:uppercase;letter-spacing:.04em}
.big{font-size:30px;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:14px}
td,th{padding:4px 6px;text-align:left;border-bottom:1px solid #eef1f4;overflow-wrap:anywhere}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#2a9d8f}.bad{color:#e63946}.warn{color:#e9c46a}.muted{color:#8a96a3}
.bar{height:10px;background:#e9edf1;border-radius:5px;overflow:hidden}
.bar>div{height:100%;background:#457b9d}
svg text{font-size:11px;fill:#5c6b7a}
)";

// Draws the chart from the embedded history (requests and bytes per 10 s).
constexpr const char* kScript = R"(
(function(){
  var data = JSON.parse(document.getElementById('history-data').textContent);
  var svg = document.getElementById('chart');
  var W = 900, H = 200, P = 30;
  var ns = 'http://www.w3.org/2000/svg';
  function el(name, attrs, text){ var e = document.createElementNS(ns, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]); if (text) e.textContent = text;
    svg.appendChild(e); return e; }
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  el('line', {x1:P, y1:H-P, x2:W-5, y2:H-P, stroke:'#ccd3da'});
  if (data.length < 2) {
    el('text', {x:W/2, y:H/2, 'text-anchor':'middle'}, 'collecting data (one point every 10 s)');
    svg.setAttribute('data-points', String(data.length));
    return;
  }
  function series(key, color, label, row){
    var max = 1; data.forEach(function(d){ max = Math.max(max, d[key]); });
    var pts = data.map(function(d, i){
      var x = P + i * (W - P - 5) / (data.length - 1);
      var y = H - P - (d[key] / max) * (H - 2 * P);
      return x.toFixed(1) + ',' + y.toFixed(1); }).join(' ');
    el('polyline', {points:pts, fill:'none', stroke:color, 'stroke-width':2});
    el('text', {x:P + 4, y:12 + row * 14, fill:color}, label + ' (max ' + max + ' per 10 s)');
  }
  series('requests', '#457b9d', 'requests', 0);
  series('bytes_served', '#2a9d8f', 'bytes served', 1);
  series('upstream_bytes', '#e76f51', 'bytes from upstream', 2);
  el('text', {x:P, y:H-8}, '-' + Math.round(data.length * 10 / 60) + ' min');
  el('text', {x:W-5, y:H-8, 'text-anchor':'end'}, 'now');
  svg.setAttribute('data-points', String(data.length));
})();
)";

std::string ago(int64_t now, int64_t then) {
  if (then == 0) return "never";
  const int64_t s = now - then;
  if (s < 90) return fmt::format("{} s ago", s);
  if (s < 5400) return fmt::format("{} min ago", s / 60);
  return fmt::format("{:.1f} h ago", s / 3600.0);
}

std::string clock_time(int64_t t) {
  std::time_t tt = t;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

// <td> with a number, its raw value in data-value and an id for tests.
std::string number_cell(std::string_view id, uint64_t value, std::string text) {
  return fmt::format(R"(<td class="n" id="{}" data-value="{}">{}</td>)", id, value,
                     html_escape(text));
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
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
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string format_bytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  size_t unit = 0;
  while (bytes >= 1024 && unit + 1 < std::size(kUnits)) {
    bytes /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.1f} {}", bytes, kUnits[unit]);
}

std::string render_status_page(const StatusSnapshot& s) {
  const auto& t = s.totals;
  std::string h;
  h.reserve(32 * 1024);
  h += "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       "<meta http-equiv=\"refresh\" content=\"30\"><title>regcache status</title><style>";
  h += kStyle;
  h += "</style></head><body><header><h1>regcache</h1><small>";
  h += html_escape(fmt::format("version {} ({}) · page from {} UTC · refreshes every 30 s · ",
                               build_info::kVersion, build_info::kCommit, clock_time(s.now)));
  h += "<a style=\"color:#fff\" href=\"/metrics\">/metrics</a> · "
       "<a style=\"color:#fff\" href=\"/readyz\">/readyz</a></small></header><main>";

  // Cache effectiveness.
  h += "<section><h2>Cache</h2>";
  const double ratio = s.hit_ratio.value_or(0);
  h += fmt::format(
      R"(<div class="big" id="hit-ratio" data-value="{}">{}</div><div class="muted">hit ratio (manifests and blobs)</div>)",
      s.hit_ratio ? fmt::format("{:.6f}", ratio) : "",
      s.hit_ratio ? fmt::format("{:.1f} %", ratio * 100) : "no requests yet");
  h += "<table>";
  h += "<tr><td>hits</td>" + number_cell("hits", t.hits, std::to_string(t.hits)) + "</tr>";
  h += "<tr><td>misses</td>" + number_cell("misses", t.misses, std::to_string(t.misses)) + "</tr>";
  h += "<tr><td>coalesced (joined a download)</td>" +
       number_cell("coalesced", t.coalesced, std::to_string(t.coalesced)) + "</tr>";
  h += "<tr><td>stale (upstream failed)</td>" +
       number_cell("stale", t.stale, std::to_string(t.stale)) + "</tr>";
  h += "<tr><td>downloads in progress</td>" +
       number_cell("inflight", s.downloads_in_flight, std::to_string(s.downloads_in_flight)) +
       "</tr>";
  h += "</table></section>";

  // Traffic.
  h += "<section><h2>Traffic</h2>";
  h += fmt::format(
      R"(<div class="big" id="bytes-saved" data-value="{}">{}</div><div class="muted">saved: served from the cache without asking upstream</div>)",
      t.bytes_from_cache, html_escape(format_bytes(double(t.bytes_from_cache))));
  h += "<table>";
  h += "<tr><td>served from cache</td>" +
       number_cell("bytes-from-cache", t.bytes_from_cache,
                   format_bytes(double(t.bytes_from_cache))) +
       "</tr>";
  h += "<tr><td>served while fetching</td>" +
       number_cell("bytes-from-upstream", t.bytes_from_upstream,
                   format_bytes(double(t.bytes_from_upstream))) +
       "</tr>";
  h += "<tr><td>received from upstreams</td>" +
       number_cell("upstream-bytes", t.upstream_bytes, format_bytes(double(t.upstream_bytes))) +
       "</tr>";
  h += "<tr><td>requests answered</td>" +
       number_cell("requests", t.requests, std::to_string(t.requests)) + "</tr>";
  h += "<tr><td>server errors (5xx)</td>" +
       number_cell("server-errors", t.server_errors, std::to_string(t.server_errors)) + "</tr>";
  h += "</table></section>";

  // Disk.
  h += "<section><h2>Disk</h2>";
  h += fmt::format(
      R"(<div class="big" id="cache-bytes" data-value="{}">{}</div><div class="muted">in <span id="cache-objects" data-value="{}">{}</span> objects</div>)",
      s.cache_bytes, html_escape(format_bytes(double(s.cache_bytes))), s.cache_objects,
      s.cache_objects);
  std::optional<uint64_t> budget;
  if (s.lifecycle && s.lifecycle->budget_bytes) budget = s.lifecycle->budget_bytes;
  if (budget && *budget > 0) {
    const double used = std::min(1.0, double(s.cache_bytes) / double(*budget));
    h += fmt::format(
        R"(<p>budget <span id="budget" data-value="{}">{}</span> ({:.1f} % used)</p><div class="bar"><div style="width:{:.1f}%"></div></div>)",
        *budget, html_escape(format_bytes(double(*budget))), used * 100, used * 100);
  } else {
    h += "<p class=\"muted\" id=\"budget\" data-value=\"\">no cache budget configured</p>";
  }
  if (s.filesystem_size && s.filesystem_free && *s.filesystem_size > 0) {
    const double used = 1.0 - double(*s.filesystem_free) / double(*s.filesystem_size);
    h += fmt::format(
        R"(<p>filesystem: <span id="fs-free" data-value="{}">{}</span> free of {} ({:.1f} % used)</p><div class="bar"><div style="width:{:.1f}%"></div></div>)",
        *s.filesystem_free, html_escape(format_bytes(double(*s.filesystem_free))),
        html_escape(format_bytes(double(*s.filesystem_size))), used * 100, used * 100);
  }
  if (s.lifecycle && s.lifecycle->caching_paused) {
    h += "<p class=\"bad\">caching paused: " + html_escape(s.lifecycle->paused_reason) + "</p>";
  }
  h += "</section>";

  // Upstreams and quota.
  h += "<section><h2>Upstreams</h2><table><tr><th>upstream</th><th>state</th><th>pull quota "
       "left</th><th>last success</th></tr>";
  for (const auto& u : s.upstreams) {
    const bool ok = u.state == UpstreamState::ok;
    const char* css = ok ? "ok" : (u.state == UpstreamState::unknown ? "muted" : "bad");
    std::string quota = "not announced";
    if (u.quota.remaining >= 0) {
      quota = u.quota.limit >= 0 ? fmt::format("{} of {}", u.quota.remaining, u.quota.limit)
                                 : std::to_string(u.quota.remaining);
    }
    h += fmt::format(
        R"(<tr data-upstream="{0}"><td>{0}</td><td class="{1}" title="{2}">{3}</td><td class="n quota" data-value="{4}">{5}</td><td>{6}</td></tr>)",
        html_escape(u.name), css, html_escape(u.last_error), to_string(u.state),
        u.quota.remaining >= 0 ? std::to_string(u.quota.remaining) : "", html_escape(quota),
        ago(s.now, u.last_success));
  }
  h += "</table></section>";

  // Chart.
  h += "<section class=\"wide\"><h2>Last hour</h2><svg id=\"chart\" width=\"100%\" height=\"200\" "
       "role=\"img\" aria-label=\"traffic over the last hour\"></svg></section>";

  // Top images.
  h += "<section><h2>Top images (by bytes served)</h2><table "
       "id=\"top-images\"><tr><th>repository</th><th>requests</th><th>bytes</th></tr>";
  if (s.top_repositories.empty())
    h += "<tr><td colspan=\"3\" class=\"muted\">nothing pulled yet</td></tr>";
  for (const auto& r : s.top_repositories) {
    h += fmt::format(
        R"(<tr><td>{}</td><td class="n">{}</td><td class="n" data-value="{}">{}</td></tr>)",
        html_escape(r.upstream_repository), r.requests, r.bytes,
        html_escape(format_bytes(double(r.bytes))));
  }
  h += "</table></section>";

  // Recent errors.
  h += "<section class=\"wide\"><h2>Recent errors</h2><table id=\"recent-errors\"><tr><th>time "
       "(UTC)</th><th>where</th><th>what</th></tr>";
  if (s.recent_errors.empty()) h += "<tr><td colspan=\"3\" class=\"muted\">none</td></tr>";
  for (const auto& e : s.recent_errors) {
    h += fmt::format(R"(<tr title="request {}"><td>{}</td><td>{}</td><td>{}</td></tr>)",
                     html_escape(e.request_id), clock_time(e.time), html_escape(e.source),
                     html_escape(e.what));
  }
  h += "</table></section></main>";

  // The chart's data; "</" is escaped so the JSON cannot end the script element.
  std::string data = "[";
  for (size_t i = 0; i < s.history.size(); ++i) {
    const auto& d = s.history[i].delta;
    data += fmt::format(R"({}{{"t":{},"requests":{},"bytes_served":{},"upstream_bytes":{}}})",
                        i ? "," : "", s.history[i].time, d.requests,
                        d.bytes_from_cache + d.bytes_from_upstream, d.upstream_bytes);
  }
  data += "]";
  h += "<script type=\"application/json\" id=\"history-data\">" + data + "</script><script>";
  h += kScript;
  h += "</script></body></html>\n";
  return h;
}

}  // namespace regcache::ops
