// ParseRedisUrl / ParseMySqlUrl: accepted forms with their parts, and every malformed form
// rejected with InvalidArgument naming the URL and the problem. ToString hides passwords.
#include "common/url.h"

#include <gtest/gtest.h>

#include <string>

namespace slotsim {
namespace {

struct BadCase {
  std::string url;
  std::string why;  // expected in the message
};

class UrlTest : public ::testing::Test {
 protected:
  template <typename T>
  static void ExpectRejected(const StatusOr<T>& got, const BadCase& c) {
    ASSERT_FALSE(got.ok()) << "accepted " << c.url;
    EXPECT_EQ(got.status().code(), Code::kInvalidArgument);
    const std::string& msg = got.status().message();
    EXPECT_NE(msg.find("\"" + c.url + "\""), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.why), std::string::npos) << msg;
    EXPECT_NE(msg.find("expected "), std::string::npos) << msg;
  }
};

TEST_F(UrlTest, ParsesPlainRedisUrl) {
  auto u = ParseRedisUrl("redis://127.0.0.1:16379");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 16379);
  EXPECT_EQ(u->db, 0);
  EXPECT_EQ(u->password, "");
}

TEST_F(UrlTest, ParsesRedisUrlWithPasswordAndDb) {
  auto u = ParseRedisUrl("redis://:s3cr:et@localhost:6380/5");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->host, "localhost");
  EXPECT_EQ(u->port, 6380);
  EXPECT_EQ(u->db, 5);
  EXPECT_EQ(u->password, "s3cr:et");
}

TEST_F(UrlTest, RedisPasswordMayContainAtSignAndSlash) {
  auto u = ParseRedisUrl("redis://:p@ss/w@10.0.0.1:7000/1");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->password, "p@ss/w");
  EXPECT_EQ(u->host, "10.0.0.1");
  EXPECT_EQ(u->db, 1);
}

TEST_F(UrlTest, RejectsMalformedRedisUrls) {
  const BadCase cases[] = {
      {"", "scheme is not redis://"},
      {"127.0.0.1:6379", "scheme is not redis://"},
      {"rediss://h:1", "scheme is not redis://"},
      {"mysql://h:1", "scheme is not redis://"},
      {"redis://", "missing or bad HOST:PORT"},
      {"redis://localhost", "missing or bad HOST:PORT"},
      {"redis://:6379", "missing or bad HOST:PORT"},
      {"redis://h:", "missing or bad HOST:PORT"},
      {"redis://h:port", "missing or bad HOST:PORT"},
      {"redis://h:0", "missing or bad HOST:PORT"},
      {"redis://h:65536", "missing or bad HOST:PORT"},
      {"redis://h:-1", "missing or bad HOST:PORT"},
      {"redis://h:6379x", "missing or bad HOST:PORT"},
      {"redis://h:1/", "database is not a number"},
      {"redis://h:1/x", "database is not a number"},
      {"redis://h:1/-2", "database is not a number"},
      {"redis://h:1/1/2", "database is not a number"},
      {"redis://user:pw@h:1", "credentials must be"},
      {"redis://pw@h:1", "credentials must be"},
      {"redis://@h:1", "credentials must be"},
  };
  for (const BadCase& c : cases) ExpectRejected(ParseRedisUrl(c.url), c);
}

TEST_F(UrlTest, ParsesMySqlUrlWithPassword) {
  auto u = ParseMySqlUrl("mysql://slotsim:slotsim@127.0.0.1:13306/slotsim");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->user, "slotsim");
  EXPECT_EQ(u->password, "slotsim");
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 13306);
  EXPECT_EQ(u->database, "slotsim");
}

TEST_F(UrlTest, ParsesMySqlUrlWithoutPassword) {
  auto u = ParseMySqlUrl("mysql://root@db.local:3306/app_2");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->user, "root");
  EXPECT_EQ(u->password, "");
  EXPECT_EQ(u->host, "db.local");
  EXPECT_EQ(u->database, "app_2");
}

TEST_F(UrlTest, MySqlPasswordMayContainColonAtSignAndSlash) {
  auto u = ParseMySqlUrl("mysql://u:a:b@c/d@h:1/db");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->user, "u");
  EXPECT_EQ(u->password, "a:b@c/d");
  EXPECT_EQ(u->host, "h");
  EXPECT_EQ(u->database, "db");
}

TEST_F(UrlTest, RejectsMalformedMySqlUrls) {
  const BadCase cases[] = {
      {"", "scheme is not mysql://"},
      {"mariadb://u@h:1/db", "scheme is not mysql://"},
      {"redis://u@h:1/db", "scheme is not mysql://"},
      {"mysql://h:1/db", "missing USER@"},
      {"mysql://@h:1/db", "empty user"},
      {"mysql://:pw@h:1/db", "empty user"},
      {"mysql://u@h:1", "missing /DATABASE"},
      {"mysql://u@h:1/", "missing /DATABASE"},
      {"mysql://u@h:1/my-db", "database name may hold only"},
      {"mysql://u@h:1/db/x", "database name may hold only"},
      {"mysql://u@h:1/db;drop", "database name may hold only"},
      {"mysql://u@h/db", "missing or bad HOST:PORT"},
      {"mysql://u@:1/db", "missing or bad HOST:PORT"},
      {"mysql://u@h:0/db", "missing or bad HOST:PORT"},
      {"mysql://u@h:99999/db", "missing or bad HOST:PORT"},
      {"mysql://u@h:abc/db", "missing or bad HOST:PORT"},
  };
  for (const BadCase& c : cases) ExpectRejected(ParseMySqlUrl(c.url), c);
}

TEST_F(UrlTest, ToStringHidesPasswords) {
  auto r = ParseRedisUrl("redis://:topsecret@h:1/2");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ToString(*r), "redis://:***@h:1/2");
  auto r2 = ParseRedisUrl("redis://h:1");
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(ToString(*r2), "redis://h:1/0");
  auto m = ParseMySqlUrl("mysql://u:topsecret@h:1/db");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(ToString(*m), "mysql://u:***@h:1/db");
  auto m2 = ParseMySqlUrl("mysql://u@h:1/db");
  ASSERT_TRUE(m2.ok());
  EXPECT_EQ(ToString(*m2), "mysql://u@h:1/db");
}

TEST_F(UrlTest, ToStringWithoutPasswordParsesBack) {
  auto r = ParseRedisUrl("redis://h:6379/3");
  ASSERT_TRUE(r.ok());
  auto r_back = ParseRedisUrl(ToString(*r));
  ASSERT_TRUE(r_back.ok()) << r_back.status().ToString();
  EXPECT_EQ(r_back->port, 6379);
  EXPECT_EQ(r_back->db, 3);
  auto m = ParseMySqlUrl("mysql://u@h:3306/db");
  ASSERT_TRUE(m.ok());
  auto m_back = ParseMySqlUrl(ToString(*m));
  ASSERT_TRUE(m_back.ok()) << m_back.status().ToString();
  EXPECT_EQ(m_back->database, "db");
}

}  // namespace
}  // namespace slotsim
