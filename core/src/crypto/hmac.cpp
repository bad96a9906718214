// HMAC-SHA256, HKDF and HKDF-Expand-Label (see crypto/hmac.hpp).
#include "pcapscope/crypto/hmac.hpp"

#include <algorithm>
#include <cstring>

namespace pcapscope::crypto {

hmac_sha256::hmac_sha256(util::bytes key) noexcept {
  std::array<std::uint8_t, 64> k{};
  if (key.size() > k.size()) {
    auto d = util::sha256_digest(key);
    std::memcpy(k.data(), d.data(), d.size());
  } else if (!key.empty()) {
    std::memcpy(k.data(), key.data(), key.size());
  }
  std::array<std::uint8_t, 64> ipad_key{};
  for (std::size_t i = 0; i < k.size(); ++i) {
    ipad_key[i] = static_cast<std::uint8_t>(k[i] ^ 0x36);
    opad_key_[i] = static_cast<std::uint8_t>(k[i] ^ 0x5c);
  }
  inner_.update(ipad_key);
}

digest256 hmac_sha256::finish() noexcept {
  auto inner = inner_.finish();
  util::sha256 outer;
  outer.update(opad_key_);
  outer.update(inner);
  return outer.finish();
}

digest256 hmac_sha256_digest(util::bytes key, util::bytes data) noexcept {
  hmac_sha256 h(key);
  h.update(data);
  return h.finish();
}

digest256 hkdf_extract(util::bytes salt, util::bytes ikm) noexcept {
  return hmac_sha256_digest(salt, ikm);
}

bool hkdf_expand(util::bytes prk, util::bytes info, std::span<std::uint8_t> out) noexcept {
  if (out.size() > 255 * 32) return false;
  digest256 t{};
  std::size_t t_len = 0;
  std::size_t done = 0;
  for (std::uint8_t counter = 1; done < out.size(); ++counter) {
    hmac_sha256 h(prk);
    h.update(util::bytes(t.data(), t_len));
    h.update(info);
    h.update(util::bytes(&counter, 1));
    t = h.finish();
    t_len = t.size();
    std::size_t n = std::min(t.size(), out.size() - done);
    std::memcpy(out.data() + done, t.data(), n);
    done += n;
  }
  return true;
}

bool hkdf_expand_label(util::bytes secret, std::string_view label, util::bytes context,
                       std::span<std::uint8_t> out) noexcept {
  static constexpr std::string_view prefix = "tls13 ";
  if (label.size() > 255 - prefix.size() || context.size() > 255 || out.size() > 0xFFFF) return false;
  // uint16 length || uint8 label length || label || uint8 context length || context
  std::array<std::uint8_t, 2 + 1 + 255 + 1 + 255> info{};
  std::size_t n = 0;
  info[n++] = static_cast<std::uint8_t>(out.size() >> 8);
  info[n++] = static_cast<std::uint8_t>(out.size());
  info[n++] = static_cast<std::uint8_t>(prefix.size() + label.size());
  std::memcpy(info.data() + n, prefix.data(), prefix.size());
  n += prefix.size();
  if (!label.empty()) std::memcpy(info.data() + n, label.data(), label.size());
  n += label.size();
  info[n++] = static_cast<std::uint8_t>(context.size());
  if (!context.empty()) std::memcpy(info.data() + n, context.data(), context.size());
  n += context.size();
  return hkdf_expand(secret, util::bytes(info.data(), n), out);
}

}  // namespace pcapscope::crypto
