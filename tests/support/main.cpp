// doctest's main for every test program. ctest and meson run a program once per test file,
// selecting that file's test cases with a filter (-sf=*/<file>.cpp); a run whose filters select
// no test case fails here, so a renamed file or a wrong filter cannot pass while testing nothing.

#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

namespace {

bool run_ended = false;
unsigned selected_cases = 0;

/// Records how many test cases the filters selected; reports nothing.
struct selection_listener : doctest::IReporter {
    explicit selection_listener(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats& stats) override {
        run_ended = true;
        selected_cases = stats.numTestCasesPassingFilters;
    }
    void test_case_start(const doctest::TestCaseData&) override {}
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}
};

} // namespace

DOCTEST_REGISTER_LISTENER("respkit_selection", 1, selection_listener);

int main(int argc, char** argv) {
    doctest::Context context(argc, argv);
    const int status = context.run();
    if (context.shouldExit() || status != 0) return status;
    if (run_ended && selected_cases == 0) {
        std::fputs("no test case matches the filters given\n", stderr);
        return 1;
    }
    return status;
}
