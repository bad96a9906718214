// Zeek-style log lines as NDJSON or TSV (see util/log_record.hpp).
#include "pcapscope/util/log_record.hpp"

namespace pcapscope::util {

log_record& log_record::num(const char* name, std::string value, bool present) {
  cells_.push_back({cell::number, name, std::move(value), {}, present});
  return *this;
}

log_record& log_record::num(const char* name, std::uint64_t value, bool present) {
  return num(name, std::to_string(value), present);
}

log_record& log_record::str(const char* name, std::string value, bool present) {
  cells_.push_back({cell::text, name, std::move(value), {}, present});
  return *this;
}

log_record& log_record::flag(const char* name, bool value, bool present) {
  cells_.push_back({cell::boolean, name, value ? "true" : "false", {}, present});
  return *this;
}

log_record& log_record::str_list(const char* name, std::vector<std::string> values, bool present_when_empty) {
  bool present = present_when_empty || !values.empty();
  cells_.push_back({cell::text_list, name, {}, std::move(values), present});
  return *this;
}

log_record& log_record::num_list(const char* name, std::vector<std::string> values, bool present_when_empty) {
  bool present = present_when_empty || !values.empty();
  cells_.push_back({cell::number_list, name, {}, std::move(values), present});
  return *this;
}

void log_record::write(std::string& out, log_format fmt, bool header) const {
  if (fmt == log_format::tsv) {
    if (header) {
      for (std::size_t i = 0; i < cells_.size(); ++i) {
        if (i) out += '\t';
        out += cells_[i].name;
      }
      out += '\n';
    }
    for (std::size_t i = 0; i < cells_.size(); ++i) {
      if (i) out += '\t';
      const auto& c = cells_[i];
      if (!c.present) {
        out += '-';
      } else if (c.kind == cell::text_list || c.kind == cell::number_list) {
        if (c.list.empty()) out += "(empty)";
        for (std::size_t k = 0; k < c.list.size(); ++k) {
          if (k) out += ',';
          out += c.list[k];
        }
      } else if (c.kind == cell::boolean) {
        out += c.value == "true" ? "T" : "F";
      } else {
        out += c.value.empty() ? "(empty)" : c.value;
      }
    }
    out += '\n';
    return;
  }
  out += '{';
  bool first = true;
  for (const auto& c : cells_) {
    if (!c.present) continue;
    if (!first) out += ',';
    first = false;
    append_json_string(out, c.name);
    out += ':';
    switch (c.kind) {
      case cell::number:
      case cell::boolean: out += c.value; break;
      case cell::text: append_json_string(out, c.value); break;
      case cell::text_list:
      case cell::number_list:
        out += '[';
        for (std::size_t k = 0; k < c.list.size(); ++k) {
          if (k) out += ',';
          if (c.kind == cell::text_list) append_json_string(out, c.list[k]);
          else out += c.list[k];
        }
        out += ']';
    }
  }
  out += "}\n";
}

}  // namespace pcapscope::util
