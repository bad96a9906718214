// Packet records for `pcapscope packets` and `pcapscope filter` (see packet_format.hpp).
#include "packet_format.hpp"

#include <cstdio>

#include "pcapscope/capture/file.hpp"
#include "pcapscope/util/json.hpp"

namespace pcapscope::cli {

bool parse_field_list(const std::string& list, std::vector<std::string>& fields, std::string& bad) {
  fields.clear();
  if (list.empty()) {
    for (auto f : dissect::default_fields()) fields.emplace_back(f);
    return true;
  }
  std::vector<std::string> probe;
  for (std::size_t start = 0; start <= list.size();) {
    auto comma = list.find(',', start);
    auto f = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!f.empty()) {
      if (!dissect::field_values(dissect::packet{}, {}, {}, f, probe) && !analyze::app_fields::known(f)) {
        bad = f;
        return false;
      }
      fields.push_back(f);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return true;
}

bool fields_need_analysis(const std::vector<std::string>& fields) {
  for (const auto& f : fields) {
    if (analyze::app_fields::needs_analysis(f)) return true;
  }
  return false;
}

bool collect_app_fields(const std::string& path, analyze::app_fields& out) {
  if (path == "-") {
    std::fprintf(stderr, "pcapscope: HTTP and TLS fields need a file (two passes), not standard input\n");
    return false;
  }
  std::string err;
  auto f = capture::capture_file::open(path, err);
  if (!f) {
    std::fprintf(stderr, "pcapscope: %s\n", err.c_str());
    return false;
  }
  analyze::options o;
  o.tls_handshake_frames = true;
  analyze::analyzer a(o);
  f->read_all(&a);  // a read error is reported by the printing pass
  a.finish();
  out.collect(a);
  return true;
}

packet_formatter::packet_formatter(std::vector<std::string> fields, bool tsv, const analyze::app_fields* app)
    : fields_(std::move(fields)), tsv_(tsv), app_(app ? app : &no_app_) {}

void packet_formatter::values(const dissect::packet& p, const dissect::frame_meta& m, util::bytes data,
                              const std::string& f) {
  vals_.clear();
  if (!dissect::field_values(p, m, data, f, vals_)) app_->values(p, data, m.number, f, vals_);
}

std::string packet_formatter::header() const {
  if (!tsv_) return {};
  std::string h;
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (i) h += '\t';
    h += fields_[i];
  }
  return h + '\n';
}

dissect::frame_meta packet_formatter::observe(const capture::record& r, const dissect::packet& p,
                                              std::uint64_t number) {
  dissect::frame_meta m = dissect::meta_from_record(r, number);
  const capture::record* rec = &r;
  const dissect::packet* seen = p.irregular ? merger_.add(r, p, rec) : &p;
  if (!seen) return m;  // a fragment of a datagram still incomplete: no flow yet
  auto t = flows_.track(*rec, *seen);
  if (t.id != 0) flow::set_flow_context(flows_, t.id, t.from_orig, m);
  return m;
}

void packet_formatter::append(const dissect::packet& p, const dissect::frame_meta& m, util::bytes data,
                              std::string& out) {
  if (tsv_) {
    for (std::size_t i = 0; i < fields_.size(); ++i) {
      values(p, m, data, fields_[i]);
      if (i) out += '\t';
      for (std::size_t k = 0; k < vals_.size(); ++k) {
        if (k) out += ',';
        out += vals_[k];
      }
    }
    out += '\n';
    return;
  }
  out += '{';
  bool first = true;
  for (const auto& f : fields_) {
    values(p, m, data, f);
    if (vals_.empty()) continue;
    if (!first) out += ',';
    first = false;
    util::append_json_string(out, f);
    out += ':';
    if (vals_.size() == 1) {
      util::append_json_string(out, vals_[0]);
    } else {
      out += '[';
      for (std::size_t k = 0; k < vals_.size(); ++k) {
        if (k) out += ',';
        util::append_json_string(out, vals_[k]);
      }
      out += ']';
    }
  }
  if (p.first_anomaly != dissect::anomaly::none) {
    if (!first) out += ',';
    out += "\"_anomaly\":";
    util::append_json_string(out, dissect::anomaly_name(p.first_anomaly));
  }
  out += "}\n";
}

}  // namespace pcapscope::cli
