/* purple_peer: a headless libpurple Bonjour (XEP-0174) client that e2e tests
 * drive through stdin and read through stdout, so Hallway's bridge can be
 * tested against the real thing (docs: /work/wt/docs/XMPP-BRIDGE-DESIGN.md §5).
 *
 * Usage: purple_peer --dir TMPDIR --name NAME [--debug]
 *   TMPDIR  libpurple's user dir (accounts.xml, prefs.xml...): a fresh one per run.
 *   --debug libpurple's debug log on stderr (the bonjour prpl logs the bytes it
 *           receives there).
 * stdin, one command a line:
 *   send INSTANCE TEXT       TEXT is plain text (escaped here: libpurple takes HTML)
 *   status avail|away [MSG]
 *   quit
 * stdout, one JSON object a line, each with "ts" = CLOCK_REALTIME in ms:
 *   {"event":"ready","name":...}  the account is connected (published)
 *   {"event":"signed_on","buddy":...} / {"event":"signed_off","buddy":...}
 *   {"event":"status","buddy":...,"status":...,"message":...}
 *   {"event":"im","from":...,"text":...}  text as plain text
 *   {"event":"error","what":...}  a command was not understood or failed
 * Written after libpurple's example nullclient.c (GLib event loop glue). */
#include <purple.h>

#include <glib.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define UI_ID "hallway-purple-peer"

static GMainLoop *main_loop;
static PurpleAccount *account;
static gboolean debug_on;
/* Buddies signed on and not yet signed off: one signed_off each, however libpurple says it. */
static GHashTable *online;

/* ---- JSON output ---- */

static void json_string(GString *out, const char *s) {
    /* Peer text may be anything: make it valid UTF-8, then escape. */
    char *valid = g_utf8_make_valid(s ? s : "", -1);
    g_string_append_c(out, '"');
    for (const unsigned char *p = (const unsigned char *)valid; *p; ++p) {
        switch (*p) {
        case '"': g_string_append(out, "\\\""); break;
        case '\\': g_string_append(out, "\\\\"); break;
        case '\n': g_string_append(out, "\\n"); break;
        case '\r': g_string_append(out, "\\r"); break;
        case '\t': g_string_append(out, "\\t"); break;
        default:
            if (*p < 0x20) g_string_append_printf(out, "\\u%04x", *p);
            else g_string_append_c(out, (char)*p);
        }
    }
    g_string_append_c(out, '"');
    g_free(valid);
}

/* emit(event, key1, value1, key2, value2, ..., NULL): one JSON line. */
static void emit(const char *event, ...) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    long long ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    GString *out = g_string_new("{\"event\":");
    json_string(out, event);
    g_string_append_printf(out, ",\"ts\":%lld", ms);
    va_list ap;
    va_start(ap, event);
    const char *key;
    while ((key = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);
        g_string_append_c(out, ',');
        json_string(out, key);
        g_string_append_c(out, ':');
        if (value) json_string(out, value);
        else g_string_append(out, "null");
    }
    va_end(ap);
    g_string_append_c(out, '}');
    fprintf(stdout, "%s\n", out->str);
    fflush(stdout);
    g_string_free(out, TRUE);
}

/* ---- libpurple's event loop on GLib's ---- */

typedef struct {
    PurpleInputFunction function;
    gpointer data;
} IoClosure;

static gboolean io_invoke(GIOChannel *source, GIOCondition condition, gpointer data) {
    IoClosure *closure = data;
    int cond = 0;
    if (condition & (G_IO_IN | G_IO_HUP | G_IO_ERR)) cond |= PURPLE_INPUT_READ;
    if (condition & (G_IO_OUT | G_IO_HUP | G_IO_ERR | G_IO_NVAL)) cond |= PURPLE_INPUT_WRITE;
    closure->function(closure->data, g_io_channel_unix_get_fd(source), (PurpleInputCondition)cond);
    return TRUE;
}

static guint io_add(gint fd, PurpleInputCondition condition, PurpleInputFunction function,
                    gpointer data) {
    IoClosure *closure = g_new0(IoClosure, 1);
    closure->function = function;
    closure->data = data;
    int cond = 0;
    if (condition & PURPLE_INPUT_READ) cond |= G_IO_IN | G_IO_HUP | G_IO_ERR;
    if (condition & PURPLE_INPUT_WRITE) cond |= G_IO_OUT | G_IO_HUP | G_IO_ERR | G_IO_NVAL;
    GIOChannel *channel = g_io_channel_unix_new(fd);
    guint id = g_io_add_watch_full(channel, G_PRIORITY_DEFAULT, (GIOCondition)cond, io_invoke,
                                   closure, g_free);
    g_io_channel_unref(channel);
    return id;
}

static PurpleEventLoopUiOps eventloop_ops = {
    g_timeout_add, g_source_remove, io_add, g_source_remove, NULL, g_timeout_add_seconds,
    NULL, NULL, NULL,
};

/* ---- debug log to stderr (stdout is the JSON stream) ---- */

static void debug_print(PurpleDebugLevel level, const char *category, const char *arg_s) {
    (void)level;
    fprintf(stderr, "%s: %s", category ? category : "-", arg_s);
}
static gboolean debug_enabled(PurpleDebugLevel level, const char *category) {
    (void)level;
    (void)category;
    return debug_on;
}
static PurpleDebugUiOps debug_ops = {debug_print, debug_enabled, NULL, NULL, NULL, NULL};

static PurpleCoreUiOps core_ops = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};

/* ---- signals ---- */

static void on_signed_on(PurpleConnection *gc) {
    emit("ready", "name", purple_account_get_username(purple_connection_get_account(gc)), NULL);
}
static void on_buddy_signed_on(PurpleBuddy *buddy) {
    g_hash_table_add(online, g_strdup(purple_buddy_get_name(buddy)));
    emit("signed_on", "buddy", purple_buddy_get_name(buddy), NULL);
}
static void on_buddy_signed_off(PurpleBuddy *buddy) {
    if (g_hash_table_remove(online, purple_buddy_get_name(buddy)))
        emit("signed_off", "buddy", purple_buddy_get_name(buddy), NULL);
}
/* The bonjour prpl drops a vanished buddy that is not saved (every buddy it
 * found by itself) from the list without setting it offline first: no
 * buddy-signed-off, only buddy-removed. */
static void on_buddy_removed(PurpleBuddy *buddy) { on_buddy_signed_off(buddy); }
static void on_buddy_status_changed(PurpleBuddy *buddy, PurpleStatus *old_status,
                                    PurpleStatus *new_status) {
    (void)old_status;
    PurpleStatusPrimitive prim = purple_status_type_get_primitive(purple_status_get_type(new_status));
    emit("status", "buddy", purple_buddy_get_name(buddy), "status",
         purple_primitive_get_id_from_type(prim), "message",
         purple_status_get_attr_string(new_status, "message"), NULL);
}
static void on_received_im(PurpleAccount *acct, char *sender, char *message,
                           PurpleConversation *conv, PurpleMessageFlags flags) {
    (void)acct;
    (void)conv;
    (void)flags;
    /* libpurple hands over HTML; strip_html also decodes the entities, so a
     * second purple_unescape_html would decode "&amp;lt;" twice. */
    char *text = purple_markup_strip_html(message);
    emit("im", "from", sender, "text", text, NULL);
    g_free(text);
}

/* ---- stdin commands ---- */

static void command_send(const char *args) {
    const char *space = strchr(args, ' ');
    if (!space) {
        emit("error", "what", "send needs INSTANCE TEXT", NULL);
        return;
    }
    char *who = g_strndup(args, (gsize)(space - args));
    PurpleConversation *conv =
        purple_find_conversation_with_account(PURPLE_CONV_TYPE_IM, who, account);
    if (!conv) conv = purple_conversation_new(PURPLE_CONV_TYPE_IM, account, who);
    char *html = g_markup_escape_text(space + 1, -1);
    purple_conv_im_send(PURPLE_CONV_IM(conv), html);
    g_free(html);
    g_free(who);
}

static void command_status(const char *args) {
    char **parts = g_strsplit(args, " ", 2);
    PurpleStatusPrimitive prim = PURPLE_STATUS_UNSET;
    if (parts[0] && strcmp(parts[0], "avail") == 0) prim = PURPLE_STATUS_AVAILABLE;
    if (parts[0] && strcmp(parts[0], "away") == 0) prim = PURPLE_STATUS_AWAY;
    PurpleStatusType *type =
        prim == PURPLE_STATUS_UNSET ? NULL : purple_account_get_status_type_with_primitive(account, prim);
    if (!type) {
        emit("error", "what", "status needs avail|away [MSG]", NULL);
    } else {
        const char *msg = parts[0] && parts[1] ? parts[1] : "";
        purple_account_set_status(account, purple_status_type_get_id(type), TRUE, "message", msg,
                                  NULL);
    }
    g_strfreev(parts);
}

static gboolean on_stdin(GIOChannel *source, GIOCondition condition, gpointer data) {
    (void)condition;
    (void)data;
    char *line = NULL;
    gsize len = 0;
    GIOStatus st = g_io_channel_read_line(source, &line, &len, NULL, NULL);
    if (st == G_IO_STATUS_EOF || st == G_IO_STATUS_ERROR) {
        g_main_loop_quit(main_loop);
        return FALSE;
    }
    if (st == G_IO_STATUS_AGAIN || !line) return TRUE;
    g_strchomp(line);
    if (strncmp(line, "send ", 5) == 0) command_send(line + 5);
    else if (strncmp(line, "status ", 7) == 0) command_status(line + 7);
    else if (strcmp(line, "quit") == 0) g_main_loop_quit(main_loop);
    else if (line[0]) emit("error", "what", "unknown command", "line", line, NULL);
    g_free(line);
    return TRUE;
}

/* SIGTERM (lib.sh's teardown) signs off cleanly, as quit does. */
static gboolean on_sigterm(gpointer data) {
    (void)data;
    g_main_loop_quit(main_loop);
    return G_SOURCE_REMOVE;
}

int main(int argc, char **argv) {
    const char *dir = NULL, *name = NULL;
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) dir = argv[++i];
        else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) name = argv[++i];
        else if (strcmp(argv[i], "--debug") == 0) debug_on = TRUE;
        else {
            fprintf(stderr, "usage: %s --dir TMPDIR --name NAME [--debug]\n", argv[0]);
            return 2;
        }
    }
    if (!dir || !name) {
        fprintf(stderr, "usage: %s --dir TMPDIR --name NAME [--debug]\n", argv[0]);
        return 2;
    }
    main_loop = g_main_loop_new(NULL, FALSE);
    online = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    purple_util_set_user_dir(dir);
    purple_debug_set_enabled(FALSE); /* the ui ops below decide */
    purple_debug_set_ui_ops(&debug_ops);
    purple_core_set_ui_ops(&core_ops);
    purple_eventloop_set_ui_ops(&eventloop_ops);
    if (!purple_core_init(UI_ID)) {
        fprintf(stderr, "purple_core_init failed\n");
        return 1;
    }
    purple_set_blist(purple_blist_new());
    purple_blist_load();
    purple_prefs_load();

    static int handle;
    purple_signal_connect(purple_connections_get_handle(), "signed-on", &handle,
                          PURPLE_CALLBACK(on_signed_on), NULL);
    purple_signal_connect(purple_blist_get_handle(), "buddy-signed-on", &handle,
                          PURPLE_CALLBACK(on_buddy_signed_on), NULL);
    purple_signal_connect(purple_blist_get_handle(), "buddy-signed-off", &handle,
                          PURPLE_CALLBACK(on_buddy_signed_off), NULL);
    purple_signal_connect(purple_blist_get_handle(), "buddy-removed", &handle,
                          PURPLE_CALLBACK(on_buddy_removed), NULL);
    purple_signal_connect(purple_blist_get_handle(), "buddy-status-changed", &handle,
                          PURPLE_CALLBACK(on_buddy_status_changed), NULL);
    purple_signal_connect(purple_conversations_get_handle(), "received-im-msg", &handle,
                          PURPLE_CALLBACK(on_received_im), NULL);

    if (!purple_find_prpl("prpl-bonjour")) {
        fprintf(stderr, "libpurple has no prpl-bonjour\n");
        return 1;
    }
    account = purple_account_new(name, "prpl-bonjour");
    purple_accounts_add(account);
    purple_account_set_enabled(account, UI_ID, TRUE);
    PurpleSavedStatus *saved = purple_savedstatus_new(NULL, PURPLE_STATUS_AVAILABLE);
    purple_savedstatus_activate(saved);

    GIOChannel *in = g_io_channel_unix_new(0);
    g_io_add_watch(in, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, NULL);
    g_io_channel_unref(in);

    g_unix_signal_add(SIGTERM, on_sigterm, NULL);
    g_main_loop_run(main_loop);

    /* A clean sign-off: the prpl withdraws its record and closes its streams. */
    purple_account_set_enabled(account, UI_ID, FALSE);
    purple_core_quit();
    g_main_loop_unref(main_loop);
    g_hash_table_destroy(online);
    return 0;
}
