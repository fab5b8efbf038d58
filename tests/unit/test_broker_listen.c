/*
 * Where gatehoused listens, and how: plain HTTP only on loopback unless
 * --insecure-http is given, and HTTPS with a certificate and key. Every connection goes to
 * 127.0.0.1, even to a broker bound to 0.0.0.0.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tests/unit/test_broker.h"

#include "tests/support/check_main.h"

static struct test_world world;

static void build_world(void)
{
	world_build(&world);
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void destroy_world(void)
{
	world_destroy(&world);
	curl_global_cleanup();
}

static void stop_broker(void)
{
	world_stop(&world);
}

/* Run gatehoused on a new database with the given options, expecting it to exit. */
static int run_broker_to_exit(const char *const *options, char *out, size_t size)
{
	char dir[256], db[320], port_file[320];
	const char *argv[24] = { gatehoused_path(), "--db", db, "--port-file", port_file };
	int n = 5;

	test_make_dir(dir, sizeof dir);
	snprintf(db, sizeof db, "%s/broker.db", dir);
	snprintf(port_file, sizeof port_file, "%s/port", dir);
	for (int i = 0; options[i] && n < 23; i++)
		argv[n++] = options[i];
	argv[n] = NULL;
	int status = test_run_program(argv, NULL, 0, out, size);
	test_remove_dir(dir);
	return status;
}

START_TEST(test_plain_http_any_address_refused)
{
	static const char *const options[] = { "--listen", "0.0.0.0:0", NULL };
	char message[2048];

	int status = run_broker_to_exit(options, message, sizeof message);
	ck_assert_int_ne(status, 0);
	ck_assert_msg(strstr(message, "refusing plain HTTP on 0.0.0.0:0") != NULL, "stderr: %s",
		      message);
	ck_assert_msg(strstr(message, "--tls-cert") != NULL, "stderr: %s", message);
	ck_assert_msg(strstr(message, "--insecure-http") != NULL, "stderr: %s", message);
}
END_TEST

START_TEST(test_insecure_http_any_address)
{
	static const char *const options[] = { "--listen", "0.0.0.0:0", "--insecure-http", NULL };
	struct http_result r;

	world_start(&world, options);
	ck_assert_int_eq(world_get(&world, ALICE, "/v1/me", &r), 200);
	ck_assert_str_eq(http_json_string(&r, "id"), "alice");
	http_result_free(&r);
}
END_TEST

START_TEST(test_invalid_listen_rejected)
{
	static const char *const addresses[] = { "localhost", "127.0.0.1:", "127.0.0.1:99999",
						  "[::1:0", "127.0.0.1:8o" };
	char message[2048];

	for (size_t i = 0; i < sizeof addresses / sizeof addresses[0]; i++) {
		const char *options[] = { "--listen", addresses[i], NULL };
		ck_assert_int_ne(run_broker_to_exit(options, message, sizeof message), 0);
		ck_assert_msg(strstr(message, "invalid listen address") != NULL, "%s: %s",
			      addresses[i], message);
	}
}
END_TEST

/* Whether name is an executable in PATH. */
static bool program_exists(const char *name)
{
	const char *path = getenv("PATH");
	char candidate[512];

	for (const char *dir = path; dir && *dir;) {
		size_t length = strcspn(dir, ":");
		snprintf(candidate, sizeof candidate, "%.*s/%s", (int)length, dir, name);
		if (access(candidate, X_OK) == 0)
			return true;
		dir += length;
		dir += *dir == ':';
	}
	return false;
}

static void run_tool(const char *const *argv)
{
	char output[4096];
	int status = test_run_program(argv, NULL, 0, output, sizeof output);

	ck_assert_msg(status == 0, "%s exited with %d: %s", argv[0], status, output);
}

/* Make a self-signed certificate for 127.0.0.1 with openssl. */
static void make_cert_openssl(const char *cert, const char *key)
{
	const char *argv[] = {
		"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
		"-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
		"-addext", "subjectAltName=IP:127.0.0.1", NULL,
	};

	run_tool(argv);
}

/* Make a self-signed certificate for 127.0.0.1 with certtool (GnuTLS). */
static void make_cert_certtool(const char *dir, const char *cert, const char *key)
{
	char template_path[400];
	FILE *f;

	snprintf(template_path, sizeof template_path, "%s/cert.cfg", dir);
	f = fopen(template_path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("cn = 127.0.0.1\nip_address = 127.0.0.1\nexpiration_days = 2\nca\n"
	      "tls_www_server\nsigning_key\ncert_signing_key\n", f);
	ck_assert_int_eq(fclose(f), 0);

	const char *generate_key[] = { "certtool", "--generate-privkey", "--key-type", "ecdsa",
				       "--outfile", key, NULL };
	const char *sign[] = { "certtool", "--generate-self-signed", "--load-privkey", key,
			       "--template", template_path, "--outfile", cert, NULL };
	run_tool(generate_key);
	run_tool(sign);
}

/* Make a certificate and key in dir; false, with the reason printed, when no tool is installed. */
static bool make_cert(const char *dir, char *cert, char *key, size_t size)
{
	snprintf(cert, size, "%s/cert.pem", dir);
	snprintf(key, size, "%s/key.pem", dir);
	if (program_exists("openssl")) {
		make_cert_openssl(cert, key);
		return true;
	}
	if (program_exists("certtool")) {
		make_cert_certtool(dir, cert, key);
		return true;
	}
	fprintf(stderr, "skipping the HTTPS tests: neither openssl nor certtool (gnutls-bin) "
		"is installed\n");
	return false;
}

/* GET https://127.0.0.1:PORT/v1/me as alice, trusting only cert; returns the curl result. */
static CURLcode https_get_me(const char *cert, long *status, char *id, size_t size)
{
	CURL *curl = curl_easy_init();
	struct strbuf body = STRBUF_INIT;
	struct curl_slist *headers = NULL;
	char url[128], authorization[TEST_TOKEN_SIZE + 32];
	CURLcode rc;

	snprintf(url, sizeof url, "https://127.0.0.1:%u/v1/me", world.bp.port);
	snprintf(authorization, sizeof authorization, "Authorization: Bearer %s", world.tokens[ALICE]);
	headers = curl_slist_append(headers, authorization);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_CAINFO, cert);
	curl_easy_setopt(curl, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, raw_collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	rc = curl_easy_perform(curl);
	*status = 0;
	id[0] = '\0';
	if (rc == CURLE_OK) {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
		json_t *j = json_loads(strbuf_str(&body), 0, NULL);
		snprintf(id, size, "%s", j ? json_string_value(json_object_get(j, "id")) : "");
		json_decref(j);
	}
	strbuf_free(&body);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return rc;
}

START_TEST(test_https_serves_loopback)
{
	char dir[256], cert[320], key[320], id[64];
	long status;

	test_make_dir(dir, sizeof dir);
	if (!make_cert(dir, cert, key, sizeof cert)) {
		test_remove_dir(dir);
		return;
	}
	const char *options[] = { "--tls-cert", cert, "--tls-key", key, NULL };
	world_start(&world, options);

	ck_assert_int_eq(https_get_me(cert, &status, id, sizeof id), CURLE_OK);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(id, "alice");

	struct http_result r;
	int rc = http_call("GET", world.bp.url, "/healthz", NULL, NULL, NULL, &r);
	ck_assert_msg(rc != 0 || r.status != 200, "plain HTTP to the HTTPS port got %ld", r.status);
	http_result_free(&r);
	test_remove_dir(dir);
}
END_TEST

START_TEST(test_https_other_cert_refused)
{
	char dir[256], cert[320], key[320], other_dir[256], other_cert[320], other_key[320], id[64];
	long status;

	test_make_dir(dir, sizeof dir);
	test_make_dir(other_dir, sizeof other_dir);
	if (!make_cert(dir, cert, key, sizeof cert) ||
	    !make_cert(other_dir, other_cert, other_key, sizeof other_cert)) {
		test_remove_dir(dir);
		test_remove_dir(other_dir);
		return;
	}
	const char *options[] = { "--tls-cert", cert, "--tls-key", key, NULL };
	world_start(&world, options);
	ck_assert_int_ne(https_get_me(other_cert, &status, id, sizeof id), CURLE_OK);
	ck_assert_int_eq(https_get_me(cert, &status, id, sizeof id), CURLE_OK);
	test_remove_dir(dir);
	test_remove_dir(other_dir);
}
END_TEST

START_TEST(test_tls_file_errors_explained)
{
	char dir[256], cert[320], key[320], missing[320], not_pem[320], message[2048];

	test_make_dir(dir, sizeof dir);
	snprintf(cert, sizeof cert, "%s/cert.pem", dir);
	snprintf(key, sizeof key, "%s/key.pem", dir);
	snprintf(missing, sizeof missing, "%s/no-such-key.pem", dir);
	snprintf(not_pem, sizeof not_pem, "%s/not.pem", dir);
	FILE *f = fopen(cert, "w");
	ck_assert_ptr_nonnull(f);
	fputs("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", f);
	fclose(f);
	f = fopen(not_pem, "w");
	ck_assert_ptr_nonnull(f);
	fputs("just text\n", f);
	fclose(f);

	const char *missing_key[] = { "--tls-cert", cert, "--tls-key", missing, NULL };
	ck_assert_int_ne(run_broker_to_exit(missing_key, message, sizeof message), 0);
	ck_assert_msg(strstr(message, "cannot read the TLS key") != NULL, "stderr: %s", message);
	ck_assert_msg(strstr(message, missing) != NULL, "stderr: %s", message);
	ck_assert_msg(strstr(message, "No such file") != NULL, "stderr: %s", message);

	const char *no_key[] = { "--tls-cert", cert, NULL };
	ck_assert_int_ne(run_broker_to_exit(no_key, message, sizeof message), 0);
	ck_assert_msg(strstr(message, "--tls-key") != NULL, "stderr: %s", message);

	const char *text_key[] = { "--tls-cert", cert, "--tls-key", not_pem, NULL };
	ck_assert_int_ne(run_broker_to_exit(text_key, message, sizeof message), 0);
	ck_assert_msg(strstr(message, "is not PEM") != NULL, "stderr: %s", message);
	test_remove_dir(dir);
}
END_TEST

/* The reason for a port that is taken is named, and libmicrohttpd's own message does not come first. */
START_TEST(test_busy_port_explained)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	socklen_t len = sizeof addr;
	char listen_address[64], expected[128], message[2048];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	snprintf(listen_address, sizeof listen_address, "127.0.0.1:%u", ntohs(addr.sin_port));
	const char *options[] = { "--listen", listen_address, NULL };

	ck_assert_int_ne(run_broker_to_exit(options, message, sizeof message), 0);
	snprintf(expected, sizeof expected, "address %s is already in use", listen_address);
	ck_assert_msg(strstr(message, expected) != NULL, "stderr: %s", message);
	ck_assert_msg(strstr(message, "Failed to bind") == NULL, "stderr: %s", message);
	close(fd);
}
END_TEST

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* A key that is huge, endless or of another certificate is rejected with its reason. */
START_TEST(test_tls_key_checked)
{
	char dir[256], other_dir[256], cert[320], key[320], other_cert[320], other_key[320];
	char big[320], message[2048];

	test_make_dir(dir, sizeof dir);
	test_make_dir(other_dir, sizeof other_dir);
	if (!make_cert(dir, cert, key, sizeof cert) ||
	    !make_cert(other_dir, other_cert, other_key, sizeof other_cert)) {
		test_remove_dir(dir);
		test_remove_dir(other_dir);
		return;
	}
	const char *endless[] = { "--tls-cert", cert, "--tls-key", "/dev/zero", NULL };
	ck_assert_int_ne(run_broker_to_exit(endless, message, sizeof message), 0);
	ck_assert_msg(strstr(message, "the TLS key /dev/zero is larger than 1 MiB") != NULL,
		      "stderr: %s", message);

	snprintf(big, sizeof big, "%s/big.pem", dir);
	FILE *f = fopen(big, "w");
	ck_assert_ptr_nonnull(f);
	fputs("-----BEGIN CERTIFICATE-----\n", f);
	for (int i = 0; i < 1024 * 1024 / 64 + 1; i++)
		fputs("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", f);
	ck_assert_int_eq(fclose(f), 0);
	const char *big_cert[] = { "--tls-cert", big, "--tls-key", key, NULL };
	ck_assert_int_ne(run_broker_to_exit(big_cert, message, sizeof message), 0);
	ck_assert_msg(strstr(message, "larger than 1 MiB") != NULL, "stderr: %s", message);

	const char *mismatched[] = { "--tls-cert", cert, "--tls-key", other_key, NULL };
	ck_assert_int_ne(run_broker_to_exit(mismatched, message, sizeof message), 0);
	ck_assert_msg(strstr(message, "does not match the certificate") != NULL, "stderr: %s", message);
	ck_assert_msg(strstr(message, "address in use") == NULL, "stderr: %s", message);

	const char *cert_as_key[] = { "--tls-cert", cert, "--tls-key", other_cert, NULL };
	ck_assert_int_ne(run_broker_to_exit(cert_as_key, message, sizeof message), 0);
	ck_assert_msg(strstr(message, "is not a PEM private key") != NULL, "stderr: %s", message);

	write_file(big, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
	const char *bad_cert[] = { "--tls-cert", big, "--tls-key", key, NULL };
	ck_assert_int_ne(run_broker_to_exit(bad_cert, message, sizeof message), 0);
	ck_assert_msg(strstr(message, "is not a PEM certificate") != NULL, "stderr: %s", message);
	test_remove_dir(dir);
	test_remove_dir(other_dir);
}
END_TEST

static Suite *listen_suite(void)
{
	Suite *suite = suite_create("broker_listen");
	TCase *listening = tcase_create("listen");

	tcase_set_timeout(listening, 90);
	tcase_add_unchecked_fixture(listening, build_world, destroy_world);
	tcase_add_checked_fixture(listening, NULL, stop_broker);
	tcase_add_test(listening, test_plain_http_any_address_refused);
	tcase_add_test(listening, test_insecure_http_any_address);
	tcase_add_test(listening, test_invalid_listen_rejected);
	tcase_add_test(listening, test_https_serves_loopback);
	tcase_add_test(listening, test_https_other_cert_refused);
	tcase_add_test(listening, test_tls_file_errors_explained);
	tcase_add_test(listening, test_busy_port_explained);
	tcase_add_test(listening, test_tls_key_checked);
	suite_add_tcase(suite, listening);
	return suite;
}

CHECK_MAIN(listen_suite)
