// Application fields per frame (see analyze/app_fields.hpp).
#include "pcapscope/analyze/app_fields.hpp"

#include <algorithm>

#include "pcapscope/app/dns.hpp"

namespace pcapscope::analyze {

namespace {

enum field : std::uint8_t {
  dns_qry_name,
  dns_qry_type,
  dns_flags_response,
  dns_a,
  dns_aaaa,
  http_request_method,
  http_request_uri,
  http_host,
  http_user_agent,
  http_response_code,
  tls_handshake_type,
  tls_sni,
  tls_ja3,
  field_count
};

const std::vector<std::string_view> kNames = {
    "dns.qry.name",        "dns.qry.type",     "dns.flags.response", "dns.a",
    "dns.aaaa",            "http.request.method", "http.request.uri", "http.host",
    "http.user_agent",     "http.response.code",  "tls.handshake.type",
    "tls.handshake.extensions_server_name", "tls.handshake.ja3"};

int index_of(std::string_view name) noexcept {
  auto it = std::find(kNames.begin(), kNames.end(), name);
  return it == kNames.end() ? -1 : static_cast<int>(it - kNames.begin());
}

}  // namespace

const std::vector<std::string_view>& app_fields::names() { return kNames; }

bool app_fields::known(std::string_view name) noexcept { return index_of(name) >= 0; }

bool app_fields::needs_analysis(std::string_view name) noexcept {
  int i = index_of(name);
  return i >= http_request_method;
}

void app_fields::collect(const analyzer& a) {
  auto add = [&](std::uint64_t frame, field f, std::string v) {
    if (frame != 0) by_frame_[frame].emplace_back(static_cast<std::uint8_t>(f), std::move(v));
  };
  for (const auto e : a.http().entries()) {
    if (e.has_request) {
      add(e.request_frame, http_request_method, std::string(e.method));
      add(e.request_frame, http_request_uri, std::string(e.uri));
      if (e.has_host) add(e.request_frame, http_host, std::string(e.host_header));
      if (e.has_user_agent) add(e.request_frame, http_user_agent, std::string(e.user_agent));
    }
    if (e.has_response) add(e.response_frame, http_response_code, std::to_string(e.status_code));
  }
  for (const auto& i : a.http().interim()) add(i.frame, http_response_code, std::to_string(i.code));
  for (const auto& e : a.tls().entries()) {
    for (const auto& h : e.client_hellos) {
      if (!h.sni.empty()) add(h.frame, tls_sni, h.sni);
      if (!h.ja3.empty()) add(h.frame, tls_ja3, h.ja3);
      if (a.tls_handshakes().empty()) add(h.frame, tls_handshake_type, "1");
    }
    if (a.tls_handshakes().empty() && e.server_hello_frame) add(e.server_hello_frame, tls_handshake_type, "2");
  }
  for (const auto& [frame, type] : a.tls_handshakes()) add(frame, tls_handshake_type, std::to_string(type));
}

bool app_fields::values(const dissect::packet& p, util::bytes data, std::uint64_t frame, std::string_view name,
                        std::vector<std::string>& out) const {
  int f = index_of(name);
  if (f < 0) return false;
  if (f < http_request_method) {
    app::dns_payloads where;
    if (!app::find_dns(data, p, where)) return true;
    bool mdns = where.sport == 5353 || where.dport == 5353;
    app::dns_message m;
    for (std::size_t i = 0; i < where.count; ++i) {
      if (!app::parse_dns(where.messages[i], m, mdns)) continue;
      switch (f) {
        case dns_flags_response: out.push_back(m.qr() ? "1" : "0"); break;
        case dns_qry_name:
        case dns_qry_type:
          for (const auto& rr : m.records) {
            if (rr.section != app::dns_section::question) continue;
            if (f == dns_qry_type) {
              out.push_back(std::to_string(rr.type));
            } else {
              std::string n = m.name_text(rr.name);
              out.push_back(n.empty() ? "<Root>" : n);
            }
          }
          break;
        default:
          for (const auto& rr : m.records) {
            if (rr.section == app::dns_section::question) continue;
            if ((f == dns_a && rr.type == 1) || (f == dns_aaaa && rr.type == 28)) {
              std::string v;
              app::rdata_text(m, rr, v);
              out.push_back(std::move(v));
            }
          }
      }
    }
    return true;
  }
  auto it = by_frame_.find(frame);
  if (it == by_frame_.end()) return true;
  for (const auto& [k, v] : it->second) {
    if (k == f) out.push_back(v);
  }
  return true;
}

}  // namespace pcapscope::analyze
