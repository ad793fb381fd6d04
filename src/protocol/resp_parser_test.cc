#include "protocol/resp_parser.h"

#include <gtest/gtest.h>

#include "protocol/reply_builder.h"

namespace tessera {
namespace {

// Feeds `input` in one piece; returns the status of the first Parse call.
RespParser::Status ParseAll(RespParser& p, std::string_view input, size_t* used) {
  *used = 0;
  return p.Parse(input, used);
}

std::vector<std::string> Args(RespParser& p) {
  return std::vector<std::string>(p.args().begin(), p.args().begin() + p.argc());
}

}  // namespace

TEST(RespParser, ParsesMultibulk) {
  RespParser p;
  size_t used;
  std::string in = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
  ASSERT_EQ(ParseAll(p, in, &used), RespParser::Status::kCommand);
  EXPECT_EQ(used, in.size());
  EXPECT_EQ(Args(p), (std::vector<std::string>{"GET", "k"}));
}

TEST(RespParser, ParsesByteByByte) {
  RespParser p;
  std::string in = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n";
  std::string buf;
  int commands = 0;
  for (char c : in) {
    buf.push_back(c);
    size_t used = 0;
    auto s = p.Parse(buf, &used);
    buf.erase(0, used);
    ASSERT_NE(s, RespParser::Status::kError);
    if (s == RespParser::Status::kCommand) {
      ++commands;
      EXPECT_EQ(Args(p), (std::vector<std::string>{"SET", "k", "hello"}));
    }
  }
  EXPECT_EQ(commands, 1);
  EXPECT_TRUE(buf.empty());
}

TEST(RespParser, ParsesInlineWithQuotes) {
  RespParser p;
  size_t used;
  ASSERT_EQ(ParseAll(p, "set \"a b\" 'c\\'d' \"\\x41\\n\"\r\n", &used),
            RespParser::Status::kCommand);
  EXPECT_EQ(Args(p), (std::vector<std::string>{"set", "a b", "c'd", "A\n"}));
}

TEST(RespParser, InlineStopsAtNulByte) {
  RespParser p;
  size_t used;
  std::string in("GET a\0 junk b\r\n", 15);
  ASSERT_EQ(ParseAll(p, in, &used), RespParser::Status::kCommand);
  EXPECT_EQ(Args(p), (std::vector<std::string>{"GET", "a"}));
}

TEST(RespParser, SkipsEmptyInlineLinesAndEmptyMultibulk) {
  RespParser p;
  size_t used;
  ASSERT_EQ(ParseAll(p, "\r\n*0\r\nPING\r\n", &used), RespParser::Status::kCommand);
  EXPECT_EQ(Args(p), (std::vector<std::string>{"PING"}));
}

TEST(RespParser, ErrorsMatchRedis) {
  struct Case {
    std::string in, err;
  } cases[] = {
      {"*abc\r\n", "Protocol error: invalid multibulk length"},
      {"*1\r\n+foo\r\n", "Protocol error: expected '+', got '+'"},
      {"*1\r\n$-5\r\n", "Protocol error: invalid bulk length"},
      {"*1\r\n$999999999999\r\n", "Protocol error: invalid bulk length"},
      {"set \"a\r\n", "Protocol error: unbalanced quotes in request"},
      {"*3000000000\r\n", "Protocol error: invalid multibulk length"},
  };
  cases[1].err = "Protocol error: expected '$', got '+'";
  for (auto& c : cases) {
    RespParser p;
    size_t used;
    EXPECT_EQ(ParseAll(p, c.in, &used), RespParser::Status::kError) << c.in;
    EXPECT_EQ(p.error(), c.err) << c.in;
  }
  RespParser p;
  size_t used;
  std::string big(RespParser::kInlineMax + 10, 'a');
  EXPECT_EQ(ParseAll(p, big, &used), RespParser::Status::kError);
  EXPECT_EQ(p.error(), "Protocol error: too big inline request");
}

TEST(RespParser, HonoursMaxBulkLen) {
  RespParser p(10);
  size_t used;
  EXPECT_EQ(ParseAll(p, "*1\r\n$11\r\n", &used), RespParser::Status::kError);
  RespParser q(10);
  EXPECT_EQ(ParseAll(q, "*1\r\n$10\r\n", &used), RespParser::Status::kIncomplete);
}

TEST(RespParser, ReleasesLargeArgumentBuffers) {
  RespParser p;
  size_t used;
  std::string big(100000, 'x');
  std::string in = "*2\r\n$3\r\nSET\r\n$100000\r\n" + big + "\r\n";
  ASSERT_EQ(ParseAll(p, in, &used), RespParser::Status::kCommand);
  EXPECT_GE(p.args()[1].capacity(), 100000u);
  p.ReleaseLargeArgs();
  EXPECT_LE(p.args()[1].capacity(), RespParser::kKeepArgBytes);
  ASSERT_EQ(ParseAll(p, "*1\r\n$4\r\nPING\r\n", &used), RespParser::Status::kCommand);
  EXPECT_EQ(Args(p), (std::vector<std::string>{"PING"}));
}

TEST(ReplyBuilder, Resp2AndResp3Forms) {
  std::string out;
  ReplyBuilder rb(&out, 2);
  rb.Null();
  rb.MapHeader(1);
  rb.Double(1.5);
  rb.Error("WRONGTYPE Operation");
  rb.Error("ERR syntax error");
  EXPECT_EQ(out, "$-1\r\n*2\r\n$3\r\n1.5\r\n-WRONGTYPE Operation\r\n-ERR syntax error\r\n");
  out.clear();
  rb.set_resp(3);
  rb.Null();
  rb.MapHeader(1);
  rb.Double(1.5);
  rb.Bool(true);
  rb.NullArray();
  EXPECT_EQ(out, "_\r\n%1\r\n,1.5\r\n#t\r\n_\r\n");
}

}  // namespace tessera
