// Shared test helpers (see test_support.hpp).
#include "support/test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstdio>
#include <sys/wait.h>
#include <unistd.h>
#include <fstream>
#include <iterator>
#include <random>

namespace pcapscope::test {

void collecting_handler::on_record(const capture::record& r) {
  owned_record o;
  o.data.assign(r.data.begin(), r.data.end());
  o.options.assign(r.options.begin(), r.options.end());
  o.comments = capture::record_comments(r);
  o.r = r;
  records.push_back(std::move(o));
  auto& back = records.back();
  back.r.data = back.data;
  back.r.options = back.options;
}

void collecting_handler::on_interface(std::uint32_t index, const capture::interface_info&) {
  interface_events.push_back(index);
}

void collecting_handler::on_anomaly(const capture::anomaly& a) { anomalies.push_back(a); }

read_result read_bytes(const std::vector<std::uint8_t>& bytes, std::size_t chunk,
                       capture::reader_limits limits) {
  read_result res;
  capture::reader rd(&res.h, limits);
  if (chunk == 0) chunk = std::max<std::size_t>(bytes.size(), 1);
  for (std::size_t pos = 0; pos < bytes.size(); pos += chunk) {
    auto n = std::min(chunk, bytes.size() - pos);
    auto st = rd.feed(util::bytes(bytes.data() + pos, n));
    if (!st.ok && res.feed_status.ok) res.feed_status = st;
  }
  res.finish_status = rd.finish();
  res.info = rd.info();
  // Re-point records at their own storage after the vector stopped moving.
  for (auto& o : res.h.records) {
    o.r.data = o.data;
    o.r.options = o.options;
  }
  return res;
}

read_result read_bytes_random_chunks(const std::vector<std::uint8_t>& bytes, std::uint32_t seed,
                                     std::size_t max_chunk) {
  read_result res;
  capture::reader rd(&res.h);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> dist(1, max_chunk);
  for (std::size_t pos = 0; pos < bytes.size();) {
    auto n = std::min(dist(rng), bytes.size() - pos);
    auto st = rd.feed(util::bytes(bytes.data() + pos, n));
    if (!st.ok && res.feed_status.ok) res.feed_status = st;
    pos += n;
  }
  res.finish_status = rd.finish();
  res.info = rd.info();
  for (auto& o : res.h.records) {
    o.r.data = o.data;
    o.r.options = o.options;
  }
  return res;
}

std::vector<std::uint8_t> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::optional<std::filesystem::path> corpus_dir() {
#ifdef PCAPSCOPE_CORPUS_DIR
  std::filesystem::path p = PCAPSCOPE_CORPUS_DIR;
  std::error_code ec;
  if (std::filesystem::is_directory(p, ec)) return std::filesystem::canonical(p, ec);
#endif
  return std::nullopt;
}

void for_each_corpus_capture(const std::filesystem::path& corpus,
                             const std::function<void(const std::string&, capture::capture_file&)>& fn) {
  namespace fs = std::filesystem;
  for (auto it = fs::recursive_directory_iterator(corpus); it != fs::recursive_directory_iterator(); ++it) {
    if (!it->is_regular_file()) continue;
    std::string err;
    auto f = capture::capture_file::open(it->path().string(), err);
    if (f) fn(it->path().lexically_relative(corpus).generic_string(), *f);
  }
}

std::uint64_t check_corpus_records(const std::filesystem::path& corpus,
                                   const std::function<std::string(const capture::record&)>& check) {
  struct checker : capture::handler {
    const std::function<std::string(const capture::record&)>* check = nullptr;
    std::uint64_t mismatches = 0;
    std::string file;
    void on_record(const capture::record& r) override {
      std::string message = (*check)(r);
      if (!message.empty() && ++mismatches <= 5) ADD_FAILURE() << file << " record at " << r.record_offset << ": " << message;
    }
  } c;
  c.check = &check;
  for_each_corpus_capture(corpus, [&](const std::string& name, capture::capture_file& f) {
    c.file = name;
    f.read_all(&c);
  });
  return c.mismatches;
}

bool cli_available() {
#ifdef PCAPSCOPE_CLI
  return true;
#else
  return false;
#endif
}

bool have_tshark() {
  static const bool ok = std::system("tshark --version >/dev/null 2>&1") == 0;
  return ok;
}

std::string command_output(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!p) return out;
  std::array<char, 65536> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  ::pclose(p);
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

cli_result run_cli(const std::string& args) {
  cli_result r;
#ifdef PCAPSCOPE_CLI
  auto err_path = std::filesystem::temp_directory_path() / ("pcapscope-cli-err-" + std::to_string(::getpid()));
  std::string cmd = std::string(PCAPSCOPE_CLI) + " " + args + " 2>" + err_path.string();
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream e(err_path);
  r.err.assign(std::istreambuf_iterator<char>(e), std::istreambuf_iterator<char>());
  std::error_code ec;
  std::filesystem::remove(err_path, ec);
#else
  (void)args;
#endif
  return r;
}

bool has_anomaly(const capture::capture_info& info, capture::anomaly_code code) {
  return std::any_of(info.anomalies.begin(), info.anomalies.end(),
                     [&](const capture::anomaly& a) { return a.code == code; });
}

}  // namespace pcapscope::test
