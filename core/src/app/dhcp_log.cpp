// The dhcp.log logger (messages grouped by transaction id, as Zeek does) and its NDJSON/TSV
// records (see app/dhcp.hpp, app/dhcp_log.hpp and docs/dhcp.md).
#include "pcapscope/app/dhcp_log.hpp"

#include <algorithm>
#include <cstdio>

#include "pcapscope/flow/flow.hpp"
#include "pcapscope/util/log_record.hpp"

namespace pcapscope::app {

namespace {

std::string ip4_text(const std::array<std::uint8_t, 4>& a) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
  return buf;
}

bool zero(const std::array<std::uint8_t, 4>& a) { return a == std::array<std::uint8_t, 4>{}; }

// An address that says nothing about a host: unset, 0.0.0.0 or the IPv4 broadcast.
bool anonymous(const std::string& a) { return a.empty() || a == "0.0.0.0" || a == "255.255.255.255"; }

std::string mac_text(util::bytes b) {
  std::string s;
  char buf[4];
  for (std::size_t i = 0; i < b.size(); ++i) {
    std::snprintf(buf, sizeof buf, i ? ":%02x" : "%02x", b[i]);
    s += buf;
  }
  return s;
}

std::string text(util::bytes b) {
  std::string s;
  dhcp_text(b, s);
  return s;
}

}  // namespace

void dhcp_logger::on_datagram(const stream_ctx& c, int dir, util::bytes udp_payload) {
  ++counters_.datagrams;
  bool ok = parse_dhcp(udp_payload, msg_);
  std::size_t kept = std::min<std::size_t>(msg_.anomaly_count, dhcp_max_anomalies);
  for (std::size_t i = 0; i < kept; ++i) ++counters_.anomalies[static_cast<std::size_t>(msg_.anomalies[i].code)];
  if (!ok) return;
  ++counters_.messages;
  if (msg_.op == 1) ++counters_.requests;
  if (msg_.op == 2) ++counters_.replies;
  ++counters_.by_type[msg_.msg_type < counters_.by_type.size() ? msg_.msg_type : 0];
  if (on_message_seen) on_message_seen(c, dir, msg_);

  const dhcp_message& m = msg_;
  auto it = open_.find(m.xid);
  // |now - start| within the window, computed without overflow for any timestamps.
  auto near = [](std::int64_t a, std::int64_t b) {
    std::uint64_t d = a >= b ? static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b)
                             : static_cast<std::uint64_t>(b) - static_cast<std::uint64_t>(a);
    return d <= static_cast<std::uint64_t>(dhcp_join_window_ns);
  };
  if (it == open_.end() || !near(c.ts_ns, entries_[it->second].ts_ns)) {
    entries_.emplace_back();
    entries_.back().ts_ns = entries_.back().last_ns = c.ts_ns;
    entries_.back().xid = m.xid;
    open_[m.xid] = entries_.size() - 1;
    it = open_.find(m.xid);
  }
  dhcp_log_entry& e = entries_[it->second];
  e.last_ns = std::max(e.last_ns, c.ts_ns);
  e.ts_ns = std::min(e.ts_ns, c.ts_ns);  // a message out of time order may come first

  conn_id id = make_conn_id(flows_, c.flow_id);
  const std::string& sender = dir == 0 ? id.orig_h : id.resp_h;
  std::uint16_t sender_port = dir == 0 ? id.orig_p : id.resp_p;
  std::uint16_t receiver_port = dir == 0 ? id.resp_p : id.orig_p;
  ++e.messages;
  if (c.flow_id != 0 && e.flow_ids.size() < max_entry_list &&
      std::find(e.flow_ids.begin(), e.flow_ids.end(), c.flow_id) == e.flow_ids.end()) {
    e.flow_ids.push_back(c.flow_id);
    if (!id.uid.empty()) e.uids.push_back(id.uid);
  }

  if (m.msg_type != 0 && e.msg_types.size() < max_entry_list) {
    auto name = dhcp_message_type_name(m.msg_type);
    e.msg_types.push_back(name.empty() ? std::to_string(m.msg_type) : std::string(name));
  }
  if (!m.message.empty()) (m.from_client() ? e.client_message : e.server_message) = text(m.message);
  if (!m.relay_circuit_id.empty()) e.circuit_id = text(m.relay_circuit_id);
  if (!m.relay_remote_id.empty()) e.agent_remote_id = text(m.relay_remote_id);
  if (!m.relay_subscriber_id.empty()) e.subscriber_id = text(m.relay_subscriber_id);

  if (m.from_client()) {
    if (!anonymous(sender)) e.client_addr = sender;
    if (e.client_port == 0) e.client_port = sender_port;
    if (!m.host_name.empty()) e.host_name = text(m.host_name);
    if (m.has_fqdn) {
      e.client_fqdn.clear();
      m.fqdn_text(e.client_fqdn);
    }
    if (m.has_requested_addr) e.requested_addr = ip4_text(m.requested_addr);
    if (!m.vendor_class.empty()) e.client_software = text(m.vendor_class);
    if (e.params.empty() && !m.param_list.empty()) e.params.assign(m.param_list.begin(), m.param_list.end());
    // Zeek: a client identifier of hardware type 1 (Ethernet) names the client's MAC.
    if (m.client_id.size() == 7 && m.client_id[0] == 1) e.mac = mac_text(m.client_id.subspan(1));
  } else {
    if (!zero(m.yiaddr)) {
      e.assigned_addr = ip4_text(m.yiaddr);
      if (!anonymous(sender)) {
        e.server_addr = sender;
        e.server_port = sender_port;
        e.client_port = receiver_port;
      }
    }
    if (!m.domain_name.empty()) e.domain = text(m.domain_name);
    if (m.has_lease_time) {
      e.has_lease_time = true;
      e.lease_time = m.lease_time;
    }
    if (!m.vendor_class.empty()) e.server_software = text(m.vendor_class);
  }
  if (e.mac.empty() && m.htype == 1 && m.hlen == 6) e.mac = mac_text(m.chaddr);
  // No reply with an address from a known sender: the server identifier names the server.
  if (e.server_addr.empty() && m.has_server_id && !zero(m.server_id)) e.server_addr = ip4_text(m.server_id);
  if (anonymous(e.client_addr) && !e.assigned_addr.empty()) e.client_addr = e.assigned_addr;
  for (std::size_t i = 0; i < kept && e.anomalies.size() < max_entry_anomalies; ++i) e.anomalies.push_back(m.anomalies[i]);
}

void dhcp_logger::finish() { open_.clear(); }

void append_dhcp_record(std::string& out, const dhcp_log_entry& e, util::log_format fmt, bool header) {
  util::log_record r;
  r.num("ts", util::zeek_seconds(e.ts_ns));
  r.str_list("uids", e.uids, true);
  r.str("client_addr", e.client_addr, !e.client_addr.empty());
  r.str("server_addr", e.server_addr, !e.server_addr.empty());
  r.num("client_port", e.client_port, e.client_port != 0);
  r.num("server_port", e.server_port, e.server_port != 0);
  r.str("mac", e.mac, !e.mac.empty());
  r.str("host_name", e.host_name, !e.host_name.empty());
  r.str("client_fqdn", e.client_fqdn, !e.client_fqdn.empty());
  r.str("domain", e.domain, !e.domain.empty());
  r.str("requested_addr", e.requested_addr, !e.requested_addr.empty());
  r.str("assigned_addr", e.assigned_addr, !e.assigned_addr.empty());
  r.num("lease_time", std::to_string(e.lease_time) + ".0", e.has_lease_time);
  r.str("client_message", e.client_message, !e.client_message.empty());
  r.str("server_message", e.server_message, !e.server_message.empty());
  r.str_list("msg_types", e.msg_types, true);
  r.num("duration", util::zeek_seconds(e.last_ns - e.ts_ns));
  r.str("client_software", e.client_software, !e.client_software.empty());
  r.str("server_software", e.server_software, !e.server_software.empty());
  r.str("circuit_id", e.circuit_id, !e.circuit_id.empty());
  r.str("agent_remote_id", e.agent_remote_id, !e.agent_remote_id.empty());
  r.str("subscriber_id", e.subscriber_id, !e.subscriber_id.empty());
  char xid[16];
  std::snprintf(xid, sizeof xid, "0x%08x", e.xid);
  r.str("trans_id", xid);
  std::vector<std::string> params;
  for (auto p : e.params) params.push_back(std::to_string(p));
  r.num_list("params", std::move(params));
  std::vector<std::string> anomalies;
  for (const auto& a : e.anomalies) {
    anomalies.push_back(std::string(dhcp_anomaly_name(a.code)) + "@" + std::to_string(a.offset));
  }
  r.str_list("anomalies", std::move(anomalies));
  r.write(out, fmt, header);
}

std::string dhcp_log_ndjson(const dhcp_logger& log) {
  std::string out;
  for (const auto& e : log.entries()) append_dhcp_record(out, e, util::log_format::ndjson, false);
  return out;
}

}  // namespace pcapscope::app
