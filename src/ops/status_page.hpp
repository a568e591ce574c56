#pragma once
// The status page at `/`: one self-contained HTML document (inline CSS, an
// inline script that draws the last hour's traffic as SVG; no external
// assets, so it works on an air-gapped network). Every number carries its raw
// value in a data-value attribute, so tests (and scripts) can read it exactly.

#include <string>

#include "ops/status_snapshot.hpp"

namespace regcache::ops {

std::string render_status_page(const StatusSnapshot& status);

// Human-readable bytes: 1536 -> "1.5 KiB".
std::string format_bytes(double bytes);
std::string html_escape(std::string_view text);

}  // namespace regcache::ops
