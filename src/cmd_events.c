// SPDX-License-Identifier: MIT
/*
 * ksctl events: the dropped packets that the kernel reported, one line each.
 * Reading consumes them: each event is printed once, by one reader.
 */
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "commands.h"
#include "defaults.h"
#include "events.h"
#include "instance.h"
#include "log.h"
#include "stop.h"

struct events_options {
	bool json, follow;
	const char *pin_dir;
};

static const struct opt events_table[] = {
	OPT_JSON(struct events_options, json, "print each event"),
	{ .name = "follow", .short_name = 'f', .kind = OPT_FLAG, .offset = offsetof(struct events_options, follow),
	  .help = "keep printing events as they come, until interrupted" },
	OPT_PIN_DIR(struct events_options, pin_dir),
	{ 0 }
};

struct reader {
	struct event_context ctx;
	bool json;
};

static int print_event(void *data, void *raw, size_t size)
{
	struct reader *r = data;
	struct event_view v;
	struct ks_event e = { 0 };

	memcpy(&e, raw, size < sizeof(e) ? size : sizeof(e));
	event_view_make(&v, &e, &r->ctx);
	if (r->json)
		event_print_json(stdout, &v, &e);
	else
		event_print_line(stdout, &v, &e);
	return 0;
}

static int read_events(struct ring_buffer *rb, bool follow)
{
	int ret = ring_buffer__consume(rb);

	if (follow) {
		stop_on_signals();
		while (ret >= 0 && !stop_requested) {
			fflush(stdout);
			ret = ring_buffer__poll(rb, 1000);
		}
		if (ret == -EINTR)
			ret = 0;
	}
	return ret < 0 ? ret : 0;
}

int cmd_events(int argc, char **argv)
{
	struct events_options o = { 0 };
	struct container_roots roots = { ks_docker_containers_dir, ks_kubelet_logs_dir };
	struct reader r = { 0 };
	struct ring_buffer *rb;
	struct instance inst;
	int ret = options_parse(&events_command, argc, argv, &o);

	if (ret != EXIT_OK)
		return ret;
	ret = instance_open(&inst, o.pin_dir);
	if (ret != EXIT_OK)
		return ret;
	if (!inst.state->config.event_rate)
		pr_warn("drop events are off here ('ksctl up --event-rate 0'): only earlier ones are left to read");
	rb = ring_buffer__new(inst.map_fd[KS_MAP_EVENTS], print_event, &r, NULL);
	if (!rb) {
		pr_err("cannot read the drop events: %s: run as root, or with CAP_BPF", strerror(errno));
		instance_close(&inst);
		return EXIT_RUNTIME;
	}
	r.json = o.json;
	event_context_init(&r.ctx, &roots);
	ret = read_events(rb, o.follow);
	fflush(stdout);
	if (ret < 0)
		pr_err("reading the drop events failed: %s", strerror(-ret));
	event_context_free(&r.ctx);
	ring_buffer__free(rb);
	instance_close(&inst);
	return ret < 0 ? EXIT_RUNTIME : EXIT_OK;
}

const struct command events_command = {
	.name = "events",
	.run = cmd_events,
	.summary = "print the dropped packets reported since the last read, and who sent them",
	.options = events_table,
};
