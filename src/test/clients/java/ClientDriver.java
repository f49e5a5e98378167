import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mriclassifier.client.ApiClient;
import org.mriclassifier.client.ApiException;
import org.mriclassifier.client.ApiResponse;
import org.mriclassifier.client.api.AuthApi;
import org.mriclassifier.client.api.MriApi;
import org.mriclassifier.client.api.ModelsApi;
import org.mriclassifier.client.api.OperationsApi;
import org.mriclassifier.client.api.UsersApi;
import org.mriclassifier.client.model.AccessToken;
import org.mriclassifier.client.model.Gender;
import org.mriclassifier.client.model.LoginRequest;
import org.mriclassifier.client.model.ModelEntry;
import org.mriclassifier.client.model.ModelPerformance;
import org.mriclassifier.client.model.MriClass;
import org.mriclassifier.client.model.MriPage;
import org.mriclassifier.client.model.MriPatch;
import org.mriclassifier.client.model.MriRecord;
import org.mriclassifier.client.model.MriReplace;
import org.mriclassifier.client.model.Problem;
import org.mriclassifier.client.model.Role;
import org.mriclassifier.client.model.User;
import org.mriclassifier.client.model.UserCreate;
import org.mriclassifier.client.model.UserPage;
import org.mriclassifier.client.model.UserPatch;
import org.mriclassifier.client.model.UserReplace;

/**
 * Drives the Java client generated from openapi.yaml ({@code -g java --library native}, never edited) against a
 * real server: every users and MRI operation, as a consumer would call them. Prints one "ok ..." line per step;
 * any surprise throws, and the process exits with 1.
 *
 * <p>Usage: {@code java ClientDriver BASE_URL ADMIN_EMAIL ADMIN_PASSWORD IMAGE.png PREFIX}
 */
public final class ClientDriver {

    interface Call {
        void run() throws Exception;
    }

    private final String baseUrl;
    private final String hospital;
    private final String prefix;

    private ClientDriver(String baseUrl, String prefix) {
        this.baseUrl = baseUrl;
        this.prefix = prefix;
        this.hospital = prefix + " clinic";
    }

    public static void main(String[] args) {
        try {
            new ClientDriver(args[0], args[4]).run(args[1], args[2], Path.of(args[3]));
            System.out.println("done");
        } catch (Throwable e) {
            System.out.println("FAILED: " + e);
            e.printStackTrace(System.out);
            System.exit(1);
        }
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError("expected " + what);
        }
    }

    private static void ok(String step) {
        System.out.println("ok " + step);
    }

    /** The call must fail with this status and a problem body the client can read. */
    private void expectProblem(ApiClient client, int status, Call call, String step) throws Exception {
        try {
            call.run();
        } catch (ApiException e) {
            check(e.getCode() == status, status + " from " + step + ", got " + e.getCode() + " " + e.getResponseBody());
            Problem problem = client.getObjectMapper().readValue(e.getResponseBody(), Problem.class);
            check(problem.getStatus() == status && problem.getDetail() != null, "a problem body from " + step + ": " + problem);
            ok(step + ": " + status + " " + problem.getDetail());
            return;
        }
        throw new AssertionError("expected " + status + " from " + step + ", the call succeeded");
    }

    private static String etag(ApiResponse<?> response) {
        for (Map.Entry<String, List<String>> header : response.getHeaders().entrySet()) {
            if (header.getKey().equalsIgnoreCase("ETag")) {
                return header.getValue().get(0);
            }
        }
        throw new AssertionError("expected an ETag header in " + response.getHeaders());
    }

    private ApiClient client(String token) {
        ApiClient client = new ApiClient();
        client.updateBaseUri(baseUrl);
        if (token != null) {
            client.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + token));
        }
        return client;
    }

    private void run(String adminEmail, String adminPassword, Path imagePath) throws Exception {
        OperationsApi operations = new OperationsApi(client(null));
        check("UP".equals(String.valueOf(operations.liveness().getStatus())), "liveness UP");
        check("UP".equals(String.valueOf(operations.readiness().getStatus())), "readiness UP");
        ok("health");

        AccessToken login = new AuthApi(client(null)).login(new LoginRequest().email(adminEmail).password(adminPassword));
        check("Bearer".equals(String.valueOf(login.getTokenType())) && login.getExpiresIn() > 0, "a bearer token");
        ApiClient client = client(login.getAccessToken());
        UsersApi users = new UsersApi(client);
        MriApi mri = new MriApi(client);
        ok("login");

        check(Files.readString(operations.getContract().toPath()).startsWith("openapi: 3.1"), "the contract");
        check(Files.readString(operations.getDocs().toPath()).contains("swagger-ui"), "the documentation page");
        check(Files.readString(operations.getWebPage().toPath()).contains("/app/main.js"), "the web page");
        check(new OperationsApi(client).metrics().contains("# TYPE"), "metrics in the Prometheus format");
        ok("getContract, getDocs, getWebPage, metrics");

        // users, on /users/{user_name}
        String name = prefix + "-doctor";
        String email = name + "@clinic.example";
        User created = users.createUser(new UserCreate().userName(name).userEmail(email).userPassword("a long passphrase")
                .userHospital(hospital).userRole(Role.DOCTOR));
        check(name.equals(created.getUserName()) && created.getUserRole() == Role.DOCTOR && created.getCreatedAt() != null,
                "the created user, got " + created);
        ok("createUser");

        ApiResponse<User> read = users.getUserWithHttpInfo(name);
        String readTag = etag(read);
        check(created.getId().equals(read.getData().getId()), "the same user");
        ok("getUser");

        UserPage page = users.listUsers(hospital, Role.DOCTOR, prefix, 10, 0);
        check(page.getTotal() == 1 && page.getItems().size() == 1 && name.equals(page.getItems().get(0).getUserName()),
                "one matching user, got " + page);
        ok("listUsers with filters");

        ApiResponse<User> patched = users.updateUserWithHttpInfo(name, new UserPatch().userRole(Role.MODERATOR), readTag);
        String patchedTag = etag(patched);
        check(patched.getData().getUserRole() == Role.MODERATOR, "the patched role");
        ok("updateUser with If-Match");

        expectProblem(client, 412, () -> users.updateUser(name, new UserPatch().userRole(Role.DOCTOR), readTag),
                "updateUser with a stale If-Match");

        User replaced = users.replaceUser(name, new UserReplace().userEmail(email).userHospital(hospital).userRole(Role.DOCTOR),
                patchedTag);
        check(replaced.getUserRole() == Role.DOCTOR, "the replaced role");
        ok("replaceUser with If-Match");

        // the original API's /user/{user_name}, without If-Match as its clients send
        User legacyReplaced = users.replaceUserLegacy(name,
                new UserReplace().userEmail(email).userHospital(hospital).userRole(Role.TECHNICIAN), null);
        check(legacyReplaced.getUserRole() == Role.TECHNICIAN, "the role replaced on /user");
        ok("replaceUserLegacy");

        User legacyPatched = users.updateUserLegacy(name, new UserPatch().userPassword("another long passphrase"), null);
        check(legacyPatched.getVersion() > replaced.getVersion(), "a newer version");
        ok("updateUserLegacy");

        AccessToken theirLogin = new AuthApi(client(null))
                .login(new LoginRequest().email(email).password("another long passphrase"));
        check(!theirLogin.getAccessToken().isEmpty(), "the changed password works");
        ok("login with the changed password");

        expectProblem(client, 412, () -> users.deleteUserLegacy(name, readTag), "deleteUserLegacy with a stale If-Match");
        User legacyDeleted = users.deleteUserLegacy(name, null);
        check(name.equals(legacyDeleted.getUserName()), "the deleted user");
        ok("deleteUserLegacy");

        String second = prefix + "-moderator";
        users.createUser(new UserCreate().userName(second).userEmail(second + "@clinic.example")
                .userPassword("a long passphrase").userHospital(hospital).userRole(Role.MODERATOR));
        String secondTag = etag(users.getUserWithHttpInfo(second));
        User deleted = users.deleteUser(second, secondTag);
        check(second.equals(deleted.getUserName()), "the deleted user");
        ok("deleteUser with If-Match");
        expectProblem(client, 404, () -> users.getUser(second), "getUser after deleteUser");

        // MRI rows
        byte[] bytes = Files.readAllBytes(imagePath);
        MriRecord uploaded = mri.uploadMri(imagePath.toFile(), Gender.FEMALE, hospital, MriClass.TUMOR);
        check(hospital.equals(uploaded.getHospital()) && uploaded.getPropertyClass() == MriClass.TUMOR
                && "image/png".equals(String.valueOf(uploaded.getContentType())) && uploaded.getSizeBytes() == bytes.length
                && uploaded.getProbability().doubleValue() >= 0 && uploaded.getProbability().doubleValue() <= 1
                && uploaded.getPrediction() != null, "the uploaded row, got " + uploaded);
        ok("uploadMri (multipart): " + uploaded.getPrediction() + " " + uploaded.getProbability());
        UUID id = uploaded.getId();

        ApiResponse<MriRecord> row = mri.getMriWithHttpInfo(id);
        String rowTag = etag(row);
        check(uploaded.getImageSha256().equals(row.getData().getImageSha256()), "the same row");
        ok("getMri");

        byte[] image = Files.readAllBytes(mri.getMriImage(id).toPath());
        check(Arrays.equals(bytes, image), "the image bytes exactly as uploaded");
        ok("getMriImage");

        byte[] heatmap = Files.readAllBytes(mri.getMriHeatmap(id, true).toPath());
        check(heatmap.length > 8 && heatmap[1] == 'P' && heatmap[2] == 'N' && heatmap[3] == 'G', "the raw heat map, a PNG");
        ok("getMriHeatmap");

        MriPage rows = mri.listMri(hospital, Gender.FEMALE, "tumor", uploaded.getPrediction(),
                OffsetDateTime.now().minusHours(1), OffsetDateTime.now().plusHours(1), null, 10, uploaded.getUnfamiliar());
        check(rows.getItems().size() == 1 && id.equals(rows.getItems().get(0).getId()) && rows.getSummary() != null
                && rows.getSummary().getTotal() == 1, "one matching row, got " + rows);
        ok("listMri with filters");

        List<String> exported = Files.readAllLines(mri.exportMri(hospital, null, null, null, null, null, null, "csv", false).toPath());
        check(exported.size() == 2 && exported.get(1).startsWith(id.toString()), "the exported row, got " + exported);
        ok("exportMri (csv)");

        expectProblem(client, 428, () -> mri.updateMri(id, new MriPatch().propertyClass(MriClass.HEALTHY), null),
                "updateMri without If-Match");
        ApiResponse<MriRecord> changed = mri.updateMriWithHttpInfo(id, new MriPatch().propertyClass(MriClass.HEALTHY), rowTag);
        String changedTag = etag(changed);
        check(changed.getData().getPropertyClass() == MriClass.HEALTHY, "the changed class");
        ok("updateMri with If-Match");
        expectProblem(client, 412, () -> mri.updateMri(id, new MriPatch().gender(Gender.MALE), rowTag),
                "updateMri with a stale If-Match");

        ApiResponse<MriRecord> replacedRow = mri.replaceMriWithHttpInfo(id,
                new MriReplace().gender(Gender.MALE).propertyClass(null).hospital(hospital), changedTag);
        check(!etag(replacedRow).equals(changedTag), "a new ETag");
        check(replacedRow.getData().getGender() == Gender.MALE && replacedRow.getData().getPropertyClass() == null,
                "the replaced row, got " + replacedRow.getData());
        ok("replaceMri with If-Match");

        ApiResponse<MriRecord> classified = mri.classifyMriWithHttpInfo(id, null);
        String classifiedTag = etag(classified);
        check(classified.getData().getPrediction() == uploaded.getPrediction()
                && uploaded.getModelVersion().equals(classified.getData().getModelVersion()), "the same answer again");
        ok("classifyMri");

        ModelsApi models = new ModelsApi(client);
        ModelEntry active = models.listModels().getItems().stream().filter(ModelEntry::getActive).findFirst()
                .orElseThrow(() -> new AssertionError("expected an active model"));
        ok("listModels");
        check(models.activateModel(active.getVersion()).getActive(), "the model still active");
        ok("activateModel (the active one again)");
        ModelPerformance performance = models.getModelPerformance(active.getVersion(), hospital, null, null, null);
        check(performance.getConfirmed().getN() >= 0 && performance.getPredictionMix().getByDay() != null, "the figures");
        ok("getModelPerformance");
        Path notAZip = Files.createTempFile("bundle", ".zip");
        Files.writeString(notAZip, "not a zip");
        expectProblem(client, 422, () -> models.uploadModel(notAZip.toFile()), "uploadModel with a file that is not a zip");

        expectProblem(client, 412, () -> mri.deleteMri(id, rowTag), "deleteMri with a stale If-Match");
        mri.deleteMri(id, classifiedTag);
        ok("deleteMri with If-Match");
        expectProblem(client, 404, () -> mri.getMri(id), "getMri after deleteMri");
    }
}
