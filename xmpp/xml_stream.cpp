// expat wrapper for one XMPP stream (see xml_stream.hpp for why each rule exists).
#include "xmpp/xml_stream.hpp"

#include "xmpp/limits.hpp"

#include <expat.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace hallway::xmpp {

std::string_view condition_name(StreamCondition c) {
    switch (c) {
        case StreamCondition::NotWellFormed: return "not-well-formed";
        case StreamCondition::RestrictedXml: return "restricted-xml";
        case StreamCondition::InvalidNamespace: return "invalid-namespace";
        case StreamCondition::PolicyViolation: return "policy-violation";
    }
    return "undefined-condition";
}

namespace {

constexpr char kSeparator = '\x01';  // between namespace URI and local name in expat's names

// The per-stream memory budget. expat's memory suite has no user pointer, so
// malloc finds the budget through a thread-local set around every expat call;
// each block's header remembers its budget for realloc and free.
struct Budget {
    std::size_t used = 0;
    bool charge(std::size_t n) {
        if (n > kMaxParserMemory - std::min(used, kMaxParserMemory)) return false;
        used += n;
        return true;
    }
    void release(std::size_t n) { used -= std::min(used, n); }
};
thread_local Budget* current_budget = nullptr;

struct alignas(std::max_align_t) BlockHeader {
    Budget* budget;
    std::size_t size;
};

void* budget_malloc(std::size_t n) {
    Budget* b = current_budget;
    if (b == nullptr || !b->charge(n + sizeof(BlockHeader))) return nullptr;
    auto* h = static_cast<BlockHeader*>(std::malloc(n + sizeof(BlockHeader)));
    if (h == nullptr) {
        b->release(n + sizeof(BlockHeader));
        return nullptr;
    }
    *h = {b, n};
    return h + 1;
}

void budget_free(void* p) {
    if (p == nullptr) return;
    auto* h = static_cast<BlockHeader*>(p) - 1;
    h->budget->release(h->size + sizeof(BlockHeader));
    std::free(h);
}

void* budget_realloc(void* p, std::size_t n) {
    if (p == nullptr) return budget_malloc(n);
    auto* h = static_cast<BlockHeader*>(p) - 1;
    Budget* b = h->budget;
    const std::size_t old = h->size;
    if (n > old && !b->charge(n - old)) return nullptr;
    auto* moved = static_cast<BlockHeader*>(std::realloc(h, n + sizeof(BlockHeader)));
    if (moved == nullptr) {
        if (n > old) b->release(n - old);
        return nullptr;
    }
    if (n < old) b->release(old - n);
    moved->size = n;
    return moved + 1;
}

const XML_Memory_Handling_Suite kMemorySuite{budget_malloc, budget_realloc, budget_free};

struct BudgetScope {
    Budget* saved;
    explicit BudgetScope(Budget* b) : saved(current_budget) { current_budget = b; }
    ~BudgetScope() { current_budget = saved; }
};

// expat's "uri\x01local" (or "local") split into namespace and local name.
void split_name(const XML_Char* full, std::string& ns, std::string& local) {
    const char* sep = std::strchr(full, kSeparator);
    if (sep == nullptr) {
        ns.clear();
        local = full;
    } else {
        ns.assign(full, sep);
        local = sep + 1;
    }
}

bool is_xml_space(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

}  // namespace

struct XmlStream::Impl {
    Budget budget;
    XML_Parser parser = nullptr;
    std::vector<StreamEvent> events;
    bool failed = false;
    bool opened = false;
    std::string root_default_ns;  // xmlns='...' declared on the root
    bool root_default_ns_declared = false;
    std::size_t depth = 0;  // open elements, root included
    std::size_t fed = 0;    // bytes handed to expat so far
    // Stream offset where the bytes not yet accounted to an event begin: the
    // current stanza's start, or the end of the last thing finished at depth 1.
    std::size_t pending_from = 0;
    std::size_t tree_charge = 0;  // bytes of `stanza` charged to the budget
    Element stanza;
    std::vector<Element*> open;  // path from `stanza` to the innermost open element

    Impl() {
        BudgetScope scope(&budget);
        const char separator[2] = {kSeparator, '\0'};
        parser = XML_ParserCreate_MM("UTF-8", &kMemorySuite, separator);
        if (parser == nullptr) {
            fail(StreamCondition::PolicyViolation, "parser allocation failed");
            return;
        }
        XML_SetUserData(parser, this);
        XML_SetParamEntityParsing(parser, XML_PARAM_ENTITY_PARSING_NEVER);
        XML_SetElementHandler(parser, on_start, on_end);
        XML_SetCharacterDataHandler(parser, on_text);
        XML_SetStartNamespaceDeclHandler(parser, on_namespace);
        XML_SetStartDoctypeDeclHandler(parser, on_doctype);
        XML_SetEntityDeclHandler(parser, on_entity);
        XML_SetCommentHandler(parser, on_comment);
        XML_SetProcessingInstructionHandler(parser, on_pi);
    }
    ~Impl() {
        if (parser != nullptr) {
            BudgetScope scope(&budget);
            XML_ParserFree(parser);
        }
    }

    std::size_t position() const {
        const XML_Index i = XML_GetCurrentByteIndex(parser);
        return i < 0 ? fed : static_cast<std::size_t>(i) + static_cast<std::size_t>(XML_GetCurrentByteCount(parser));
    }

    void fail(StreamCondition c, std::string detail) {
        if (failed) return;
        failed = true;
        events.push_back(StreamError{c, std::move(detail)});
        if (parser != nullptr) XML_StopParser(parser, XML_FALSE);
    }

    bool charge_tree(std::size_t n) {
        if (!budget.charge(n)) {
            fail(StreamCondition::PolicyViolation, "memory budget exceeded");
            return false;
        }
        tree_charge += n;
        return true;
    }

    void start(const XML_Char* name, const XML_Char** atts) {
        if (failed) return;
        ++depth;
        if (depth > kMaxDepth) return fail(StreamCondition::PolicyViolation, "element too deep");
        std::string ns, local;
        split_name(name, ns, local);
        if (local.size() > kMaxNameBytes) return fail(StreamCondition::PolicyViolation, "name too long");
        if (ns.size() > kMaxAttributeValueBytes) return fail(StreamCondition::PolicyViolation, "namespace too long");
        std::vector<Attribute> attributes;
        for (std::size_t i = 0; atts[i] != nullptr; i += 2) {
            if (attributes.size() == kMaxAttributes)
                return fail(StreamCondition::PolicyViolation, "too many attributes");
            Attribute a;
            split_name(atts[i], a.ns, a.name);
            a.value = atts[i + 1];
            if (a.name.size() > kMaxNameBytes) return fail(StreamCondition::PolicyViolation, "name too long");
            if (a.ns.size() > kMaxAttributeValueBytes || a.value.size() > kMaxAttributeValueBytes)
                return fail(StreamCondition::PolicyViolation, "attribute value too long");
            attributes.push_back(std::move(a));
        }
        if (depth == 1) {
            if (position() > kMaxHeaderBytes) return fail(StreamCondition::PolicyViolation, "stream header too long");
            if (ns != kStreamNamespace || local != "stream")
                return fail(StreamCondition::InvalidNamespace, "root is not {" + std::string(kStreamNamespace) + "}stream");
            if (!root_default_ns_declared || root_default_ns != kClientNamespace)
                return fail(StreamCondition::InvalidNamespace, "default namespace is not jabber:client");
            opened = true;
            pending_from = position();
            events.push_back(StreamOpened{std::move(attributes)});
            return;
        }
        std::size_t cost = sizeof(Element) + ns.size() + local.size();
        for (const auto& a : attributes) cost += sizeof(Attribute) + a.ns.size() + a.name.size() + a.value.size();
        if (!charge_tree(cost)) return;
        Element* e;
        if (depth == 2) {
            pending_from = static_cast<std::size_t>(XML_GetCurrentByteIndex(parser));
            stanza = Element{};
            open.clear();
            e = &stanza;
        } else {
            e = &open.back()->children.emplace_back();
        }
        e->ns = std::move(ns);
        e->name = std::move(local);
        e->attributes = std::move(attributes);
        open.push_back(e);
        check_stanza_size();
    }

    void check_stanza_size() {
        if (depth >= 2 && position() > pending_from + kMaxStanzaBytes)
            fail(StreamCondition::PolicyViolation, "stanza too large");
    }

    void end() {
        if (failed) return;
        if (depth == 1) {
            depth = 0;
            events.push_back(StreamClosed{});
            return;
        }
        check_stanza_size();
        if (failed) return;
        --depth;
        open.pop_back();
        if (depth == 1) {
            events.push_back(Stanza{std::move(stanza)});
            stanza = Element{};
            budget.release(tree_charge);
            tree_charge = 0;
            pending_from = position();
        }
    }

    void text(std::string_view s) {
        if (failed) return;
        if (depth <= 1) {
            // Between stanzas: whitespace keepalives (and stray text) are dropped, not buffered.
            if (depth == 1) pending_from = position();
            if (depth == 0 && !is_xml_space(s)) fail(StreamCondition::NotWellFormed, "text outside the stream");
            return;
        }
        check_stanza_size();
        if (failed || !charge_tree(s.size())) return;
        Element* e = open.back();
        (e->children.empty() ? e->text : e->children.back().tail).append(s);
    }

    static Impl& self(void* p) { return *static_cast<Impl*>(p); }
    static void XMLCALL on_start(void* p, const XML_Char* name, const XML_Char** atts) { self(p).start(name, atts); }
    static void XMLCALL on_end(void* p, const XML_Char*) { self(p).end(); }
    static void XMLCALL on_text(void* p, const XML_Char* s, int len) {
        self(p).text(std::string_view(s, static_cast<std::size_t>(len)));
    }
    static void XMLCALL on_namespace(void* p, const XML_Char* prefix, const XML_Char* uri) {
        Impl& i = self(p);
        if (i.depth == 0 && prefix == nullptr) {  // a declaration on the root (handler runs before its start)
            i.root_default_ns_declared = true;
            i.root_default_ns = uri == nullptr ? "" : uri;
        }
    }
    static void XMLCALL on_doctype(void* p, const XML_Char*, const XML_Char*, const XML_Char*, int) {
        self(p).fail(StreamCondition::RestrictedXml, "DOCTYPE");
    }
    static void XMLCALL on_entity(void* p, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                                  const XML_Char*, const XML_Char*, const XML_Char*) {
        self(p).fail(StreamCondition::RestrictedXml, "entity declaration");
    }
    static void XMLCALL on_comment(void* p, const XML_Char*) { self(p).fail(StreamCondition::RestrictedXml, "comment"); }
    static void XMLCALL on_pi(void* p, const XML_Char*, const XML_Char*) {
        self(p).fail(StreamCondition::RestrictedXml, "processing instruction");
    }

    void parse(std::span<const std::uint8_t> bytes) {
        BudgetScope scope(&budget);
        const auto status =
            XML_Parse(parser, reinterpret_cast<const char*>(bytes.data()), static_cast<int>(bytes.size()), XML_FALSE);
        fed += bytes.size();
        if (status == XML_STATUS_ERROR && !failed) {
            const XML_Error code = XML_GetErrorCode(parser);
            const std::string detail = XML_ErrorString(code);
            if (code == XML_ERROR_NO_MEMORY)
                fail(StreamCondition::PolicyViolation, "memory budget exceeded");
            else
                fail(StreamCondition::NotWellFormed, detail);
        }
    }

    void feed(std::span<const std::uint8_t> bytes) {
        while (!bytes.empty() && !failed) {
            std::size_t n = std::min<std::size_t>(bytes.size(), 1 << 16);  // keeps XML_Parse's int length safe
            // Before the header is complete, never hand expat more than the header may be long,
            // so the limit is hit at the same byte however the input is split.
            if (!opened) n = std::min(n, kMaxHeaderBytes - std::min(fed, kMaxHeaderBytes));
            if (n == 0) return fail(StreamCondition::PolicyViolation, "stream header too long");
            parse(bytes.first(n));
            bytes = bytes.subspan(n);
            if (failed) return;
            if (!opened && fed >= kMaxHeaderBytes) return fail(StreamCondition::PolicyViolation, "stream header too long");
            // Bytes expat holds for a token not finished yet count against the stanza limit too.
            if (opened && depth > 0 && fed > pending_from + kMaxStanzaBytes) return fail(StreamCondition::PolicyViolation, "stanza too large");
        }
    }
};

XmlStream::XmlStream() : impl_(std::make_unique<Impl>()) {}
XmlStream::~XmlStream() = default;
XmlStream::XmlStream(XmlStream&&) noexcept = default;
XmlStream& XmlStream::operator=(XmlStream&&) noexcept = default;

std::vector<StreamEvent> XmlStream::feed(std::span<const std::uint8_t> bytes) {
    if (impl_->failed) {
        impl_->events.clear();
        return {};
    }
    impl_->feed(bytes);
    return std::exchange(impl_->events, {});
}

bool XmlStream::failed() const { return impl_->failed; }
std::size_t XmlStream::memory_in_use() const { return impl_->budget.used; }

}  // namespace hallway::xmpp
