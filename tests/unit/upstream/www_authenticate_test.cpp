#include "upstream/www_authenticate.hpp"

#include <gtest/gtest.h>

namespace regcache::upstream {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

struct ChallengeCase {
  const char* name;
  const char* header;
  bool ok;
  // Expected challenges: scheme name and parameters.
  std::vector<std::pair<std::string, Params>> challenges;
};

class WwwAuthenticateTest : public ::testing::TestWithParam<ChallengeCase> {};

TEST_P(WwwAuthenticateTest, Parses) {
  const ChallengeCase& c = GetParam();
  auto parsed = parse_www_authenticate(c.header);
  ASSERT_EQ(parsed.has_value(), c.ok) << c.header;
  if (!c.ok) return;
  ASSERT_EQ(parsed->size(), c.challenges.size()) << c.header;
  for (size_t i = 0; i < c.challenges.size(); ++i) {
    EXPECT_EQ((*parsed)[i].scheme_name, c.challenges[i].first);
    EXPECT_EQ((*parsed)[i].params, c.challenges[i].second) << c.header;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, WwwAuthenticateTest,
    ::testing::Values(
        ChallengeCase{
            "docker_hub",
            R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull")",
            true,
            {{"Bearer",
              {{"realm", "https://auth.docker.io/token"},
               {"service", "registry.docker.io"},
               {"scope", "repository:library/alpine:pull"}}}}},
        ChallengeCase{
            "distribution_no_scope",
            R"(Bearer realm="http://127.0.0.1:5005/token",service="registry.lab")",
            true,
            {{"Bearer", {{"realm", "http://127.0.0.1:5005/token"}, {"service", "registry.lab"}}}}},
        ChallengeCase{"odd_spacing",
                      "  bearer   realm = \"https://a/t\" ,  service=\"s\"  ,,scope=\"x\"  ",
                      true,
                      {{"bearer", {{"realm", "https://a/t"}, {"service", "s"}, {"scope", "x"}}}}},
        ChallengeCase{
            "comma_and_equals_in_quotes",
            R"(Bearer realm="https://a/t?x=1,y=2",scope="repository:a/b:pull,push repository:c:pull")",
            true,
            {{"Bearer",
              {{"realm", "https://a/t?x=1,y=2"},
               {"scope", "repository:a/b:pull,push repository:c:pull"}}}}},
        ChallengeCase{"escaped_quote",
                      R"(Basic realm="say \"hi\" \\ there")",
                      true,
                      {{"Basic", {{"realm", R"(say "hi" \ there)"}}}}},
        ChallengeCase{
            "unquoted_values",
            "Bearer realm=https://auth.example/token,service=registry.example",
            true,
            {{"Bearer",
              {{"realm", "https://auth.example/token"}, {"service", "registry.example"}}}}},
        ChallengeCase{"upper_case_param_names",
                      R"(Bearer Realm="https://a/t",SERVICE="s")",
                      true,
                      {{"Bearer", {{"realm", "https://a/t"}, {"service", "s"}}}}},
        ChallengeCase{"two_challenges",
                      R"(Basic realm="basic", Bearer realm="https://a/t",service="s")",
                      true,
                      {{"Basic", {{"realm", "basic"}}},
                       {"Bearer", {{"realm", "https://a/t"}, {"service", "s"}}}}},
        ChallengeCase{"missing_comma_between_params",
                      R"(Bearer realm="https://a/t" service="s")",
                      true,
                      {{"Bearer", {{"realm", "https://a/t"}, {"service", "s"}}}}},
        ChallengeCase{"scheme_only", "Negotiate", true, {{"Negotiate", {}}}},
        ChallengeCase{
            "token68", "Basic dXNlcjpwYXNz==", true, {{"Basic", {{"", "dXNlcjpwYXNz="}}}}},
        ChallengeCase{"empty_value",
                      R"(Bearer realm="",service=s)",
                      true,
                      {{"Bearer", {{"realm", ""}, {"service", "s"}}}}},
        ChallengeCase{"empty_header", "", false, {}},
        ChallengeCase{"only_commas", " , ,", false, {}},
        ChallengeCase{"unterminated_quote", R"(Bearer realm="https://a/t,service=s)", false, {}},
        ChallengeCase{"trailing_backslash", R"(Bearer realm="abc\)", false, {}},
        ChallengeCase{"param_before_scheme", R"(realm="x")", false, {}},
        ChallengeCase{"stray_quote", R"("Bearer" realm="x")", false, {}},
        ChallengeCase{"stray_equals", R"(Bearer =x)", false, {}}),
    [](const ::testing::TestParamInfo<ChallengeCase>& info) { return info.param.name; });

TEST(AuthChallenge, AccessorsAndSchemes) {
  auto parsed =
      parse_www_authenticate(R"(BEARER realm="r",service="s",scope="c", basic realm="b")");
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].scheme, AuthChallenge::Scheme::bearer);
  EXPECT_EQ((*parsed)[0].realm(), "r");
  EXPECT_EQ((*parsed)[0].service(), "s");
  EXPECT_EQ((*parsed)[0].scope(), "c");
  EXPECT_EQ((*parsed)[0].param("missing"), "");
  EXPECT_EQ((*parsed)[1].scheme, AuthChallenge::Scheme::basic);
  auto other = parse_www_authenticate("Digest realm=\"x\"");
  ASSERT_TRUE(other);
  EXPECT_EQ((*other)[0].scheme, AuthChallenge::Scheme::other);
}

}  // namespace
}  // namespace regcache::upstream
