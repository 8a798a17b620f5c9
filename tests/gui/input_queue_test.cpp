// Trickling keyboard input so no press is lost and no text is reordered.
#include "gui/input_queue.hpp"

#include <doctest/doctest.h>

using namespace hallway::gui;

namespace {
constexpr int kRelease = 0, kPress = 1, kRepeat = 2;
constexpr int kShift = 340, kEnter = 257, kA = 65;
InputEvent key(int k, int action) { return KeyEvent{k, 0, action, 0}; }
InputEvent ch(unsigned c) { return CharEvent{c}; }
}  // namespace

TEST_CASE("input: an empty queue gives nothing, plain text goes in one frame") {
    CHECK(frame_share({}) == 0);
    CHECK(frame_share({ch('h'), ch('i'), ch('!')}) == 3);
}

TEST_CASE("input: a quick Shift+Enter is seen pressed, with Shift held, before the releases") {
    std::deque<InputEvent> q{key(kShift, kPress), key(kEnter, kPress), key(kEnter, kRelease), key(kShift, kRelease)};
    CHECK(frame_share(q) == 2);
    q.erase(q.begin(), q.begin() + 2);
    CHECK(frame_share(q) == 2);  // releases of keys pressed in an earlier frame go together
}

TEST_CASE("input: Shift let go before Return still counts for Return (xdotool's order)") {
    // Shift went down in an earlier frame; its release must not share Return's frame.
    std::deque<InputEvent> q{key(kEnter, kPress), key(kShift, kRelease), key(kEnter, kRelease)};
    CHECK(frame_share(q) == 1);
    q.pop_front();
    CHECK(frame_share(q) == 2);
}

TEST_CASE("input: text typed after Enter waits for the next frame") {
    std::deque<InputEvent> q{ch('a'), key(kEnter, kPress), ch('b'), key(kEnter, kRelease)};
    CHECK(frame_share(q) == 2);
    q.erase(q.begin(), q.begin() + 2);
    CHECK(frame_share(q) == 2);  // 'b' and the release: no press in this share
}

TEST_CASE("input: a key tapped twice takes two frames per tap, repeats pass") {
    std::deque<InputEvent> q{key(kA, kPress), key(kA, kRepeat), key(kA, kRelease), key(kA, kPress), key(kA, kRelease)};
    CHECK(frame_share(q) == 2);
    q.erase(q.begin(), q.begin() + 2);
    CHECK(frame_share(q) == 2);  // release, then the second press
    q.erase(q.begin(), q.begin() + 2);
    CHECK(frame_share(q) == 1);
}
