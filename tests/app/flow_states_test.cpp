// app::flow_states, the parsers' per-flow state table, against std::unordered_map: random
// inserts, lookups and erases over small sequential ids (as flow ids are), ids up to 2^32 - 1,
// and ids that share a home slot, so that probing across the table's end and the backward-shift
// erase are both exercised; each step is checked against the reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <unordered_map>
#include <vector>

#include "pcapscope/app/stream.hpp"

namespace {

using pcapscope::app::flow_states;

struct state {
  std::uint32_t id = 0;
  std::uint64_t value = 0;
};

// Checks every id the reference holds, a sample of absent ones, size, ids() and for_each().
void expect_same(const flow_states<state>& t, const std::unordered_map<std::uint32_t, std::uint64_t>& ref,
                 const std::vector<std::uint32_t>& universe) {
  ASSERT_EQ(t.size(), ref.size());
  for (std::uint32_t id : universe) {
    const state* s = t.find(id);
    const auto it = ref.find(id);
    if (it == ref.end()) {
      ASSERT_EQ(s, nullptr) << "id " << id;
    } else {
      ASSERT_NE(s, nullptr) << "id " << id;
      ASSERT_EQ(s->id, id);
      ASSERT_EQ(s->value, it->second) << "id " << id;
    }
  }
  std::vector<std::uint32_t> ids = t.ids();
  std::sort(ids.begin(), ids.end());
  std::vector<std::uint32_t> want;
  for (const auto& [id, v] : ref) want.push_back(id);
  std::sort(want.begin(), want.end());
  ASSERT_EQ(ids, want);
  std::size_t visited = 0;
  t.for_each([&](std::uint32_t id, const state& s) {
    ++visited;
    EXPECT_EQ(s.id, id);
    EXPECT_EQ(ref.at(id), s.value);
  });
  ASSERT_EQ(visited, ref.size());
}

// Runs `steps` random operations over `universe`, checking the whole table every `check_every`.
void random_walk(const std::vector<std::uint32_t>& universe, std::size_t steps, std::uint32_t seed,
                 std::size_t check_every) {
  flow_states<state> t;
  std::unordered_map<std::uint32_t, std::uint64_t> ref;
  std::mt19937 rng(seed);
  for (std::size_t step = 0; step < steps; ++step) {
    const std::uint32_t id = universe[rng() % universe.size()];
    const unsigned op = rng() % 8;
    if (op < 4) {  // get: inserts when absent, else returns the existing state untouched
      bool made = false;
      state& s = t.get(id, [&] {
        made = true;
        return std::make_unique<state>(state{id, step});
      });
      const bool present = ref.count(id) != 0;
      ASSERT_EQ(made, !present) << "step " << step;
      if (!present) ref[id] = step;
      ASSERT_EQ(s.value, ref[id]);
    } else if (op < 7) {
      t.erase(id);
      ref.erase(id);
    } else {
      const state* s = t.find(id);
      ASSERT_EQ(s != nullptr, ref.count(id) != 0) << "step " << step;
    }
    if (step % check_every == 0) {
      ASSERT_NO_FATAL_FAILURE(expect_same(t, ref, universe)) << "step " << step;
    }
  }
  ASSERT_NO_FATAL_FAILURE(expect_same(t, ref, universe));
  t.clear();
  EXPECT_EQ(t.size(), 0u);
  for (std::uint32_t id : universe) EXPECT_EQ(t.find(id), nullptr);
}

TEST(FlowStates, EmptyTableFindsAndErasesNothing) {
  flow_states<state> t;
  EXPECT_EQ(t.find(0), nullptr);
  EXPECT_EQ(t.find(0xFFFFFFFFu), nullptr);
  t.erase(7);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_TRUE(t.ids().empty());
}

TEST(FlowStates, IdZeroAndTheLargestIdAreOrdinaryKeys) {
  flow_states<state> t;
  t.get(0, [] { return std::make_unique<state>(state{0, 10}); });
  t.get(0xFFFFFFFFu, [] { return std::make_unique<state>(state{0xFFFFFFFFu, 20}); });
  ASSERT_NE(t.find(0), nullptr);
  EXPECT_EQ(t.find(0)->value, 10u);
  ASSERT_NE(t.find(0xFFFFFFFFu), nullptr);
  EXPECT_EQ(t.find(0xFFFFFFFFu)->value, 20u);
  t.erase(0);
  EXPECT_EQ(t.find(0), nullptr);
  EXPECT_NE(t.find(0xFFFFFFFFu), nullptr);
  EXPECT_EQ(t.size(), 1u);
}

TEST(FlowStates, SequentialIdsLikeFlowIds) {
  std::vector<std::uint32_t> universe(3000);
  for (std::uint32_t i = 0; i < universe.size(); ++i) universe[i] = i;
  random_walk(universe, 200000, 1, 997);
}

TEST(FlowStates, SparseIdsOverTheWholeRange) {
  std::mt19937 rng(2);
  std::vector<std::uint32_t> universe(2000);
  for (auto& id : universe) id = static_cast<std::uint32_t>(rng());
  universe.push_back(0);
  universe.push_back(0xFFFFFFFFu);
  random_walk(universe, 200000, 3, 991);
}

// Ids chosen to share home slots in a small table: long probe runs that wrap past the end,
// where erase must shift later members back without breaking their lookups.
TEST(FlowStates, CollidingIdsProbeAcrossTheEnd) {
  // The table starts with 64 slots; its home slot is the top 6 bits of id * 2^64/phi.
  const auto home64 = [](std::uint32_t id) { return (std::uint64_t{id} * 0x9E3779B97F4A7C15ull) >> 58; };
  std::vector<std::uint32_t> universe;
  for (std::uint32_t id = 0; universe.size() < 40 && id < 1000000; ++id) {
    const auto h = home64(id);
    if (h >= 60 || h <= 1) universe.push_back(id);  // the last four and first two slots
  }
  ASSERT_EQ(universe.size(), 40u);
  // At most 40 live entries stay below the 48-entry growth point, so the table keeps 64 slots.
  random_walk(universe, 100000, 4, 1);
}

}  // namespace
