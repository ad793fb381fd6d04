#include "server/command.h"

#include <gtest/gtest.h>

#include <set>

namespace tessera {
namespace {

std::vector<std::string> Keys(const CommandSpec* c, std::vector<std::string> args) {
  std::vector<std::string> out;
  for (int p : c->KeyPositions(ArgList(args))) out.push_back(args[p]);
  return out;
}

class CommandTableTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Registry().Finalize(); }
};

}  // namespace

TEST_F(CommandTableTest, EveryCommandIsFoundCaseInsensitively) {
  ASSERT_GT(Registry().commands().size(), 60u);
  for (const CommandSpec* c : Registry().commands()) {
    EXPECT_EQ(Registry().Find(c->name), c);
    std::string upper = c->name;
    for (char& ch : upper) ch = static_cast<char>(toupper(static_cast<unsigned char>(ch)));
    EXPECT_EQ(Registry().Find(upper), c) << upper;
  }
  EXPECT_EQ(Registry().Find("nosuchcommand"), nullptr);
  EXPECT_EQ(Registry().Find(""), nullptr);
  EXPECT_EQ(Registry().Find(std::string(200, 'a')), nullptr);
}

TEST_F(CommandTableTest, SpecsAreWellFormed) {
  std::set<int> ids;
  for (const CommandSpec* c : Registry().all()) {
    EXPECT_NE(c->arity, 0) << c->name;
    EXPECT_TRUE(ids.insert(c->id).second) << c->name;
    EXPECT_FALSE(c->summary.empty()) << c->name;
    if (c->subcommands.empty()) {
      EXPECT_NE(c->handler, nullptr) << c->name;
    }
    if (c->route == Route::kKeys) {
      EXPECT_TRUE(c->first_key > 0 || c->keys_fn) << c->name;
    }
  }
}

TEST_F(CommandTableTest, KeyPositionsFollowFirstLastStep) {
  EXPECT_EQ(Keys(Registry().Find("get"), {"get", "k"}), (std::vector<std::string>{"k"}));
  EXPECT_EQ(Keys(Registry().Find("mset"), {"mset", "a", "1", "b", "2"}),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Keys(Registry().Find("mget"), {"mget", "a", "b", "c"}),
            (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Keys(Registry().Find("rename"), {"rename", "a", "b"}),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(Keys(Registry().Find("ping"), {"ping"}).empty());
}

TEST_F(CommandTableTest, SubcommandsResolve) {
  const CommandSpec* config = Registry().Find("CONFIG");
  ASSERT_NE(config, nullptr);
  const CommandSpec* get = Registry().FindSub(*config, "get");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->name, "config|get");
  EXPECT_EQ(get->parent, config);
  EXPECT_EQ(Registry().FindSub(*config, "nosuch"), nullptr);
}

}  // namespace tessera
