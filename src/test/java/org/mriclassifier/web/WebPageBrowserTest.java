package org.mriclassifier.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page in a real browser: Debian's chromium, headless, driven through chromedriver by Selenium, against a real
 * server (embedded PostgreSQL, the shipped model). Screenshots of the main screens go to target/screenshots, and to
 * the folder named by -Dscreenshots.dir (docs/img refreshes the README's pictures).
 */
@DisplayName("The web page, in Chromium")
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class WebPageBrowserTest {

    static final String HOSPITAL = TestServer.ADMIN_HOSPITAL;
    static Vertx vertx;
    static TestServer server;
    static String admin;
    static String base;

    WebDriver browser;
    WebDriverWait wait;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        server = await(TestServer.start(vertx));
        admin = await(server.adminToken());
        await(server.createUser(admin, "web-doctor", HOSPITAL, "doctor"));
        await(server.createUser(admin, "web-tech", HOSPITAL, "technician"));
        base = "http://127.0.0.1:" + server.port;
    }

    @AfterAll
    static void stop() throws Exception {
        await(server.stop());
        await(vertx.close());
    }

    static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }

    @BeforeEach
    void openBrowser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000", "--lang=en-GB");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new java.io.File(System.getenv().getOrDefault("CHROMEDRIVER", "/usr/bin/chromedriver")))
                .build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(60));
    }

    @AfterEach
    void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    void logIn(String email, String password) {
        browser.get(base + "/");
        WebElement form = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-form")));
        form.findElement(By.name("email")).sendKeys(email);
        form.findElement(By.name("password")).sendKeys(password);
        form.findElement(By.cssSelector("button[type=submit]")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nav")));
    }

    void go(String hash) {
        ((JavascriptExecutor) browser).executeScript("location.hash = arguments[0]", hash);
    }

    /** Waits until the image has loaded and has pixels (an object URL of what the API answered). */
    void loaded(WebElement image) {
        wait.until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
                "return arguments[0].complete && arguments[0].naturalWidth > 0", image)));
    }

    void screenshot(String name) throws IOException {
        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Path target = Path.of("target", "screenshots");
        Files.createDirectories(target);
        Files.write(target.resolve(name + ".png"), png);
        String extra = System.getProperty("screenshots.dir");
        if (extra != null && !extra.isBlank()) {
            Files.createDirectories(Path.of(extra));
            Files.write(Path.of(extra, name + ".png"), png);
        }
    }

    /** The page broke no rule of its Content-Security-Policy and threw no error. */
    void noConsoleErrors() {
        List<LogEntry> severe = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                // a refused action the test provokes on purpose is logged by the browser as a failed resource
                .filter(e -> !e.getMessage().contains("status of 403") && !e.getMessage().contains("status of 412"))
                .toList();
        assertTrue(severe.isEmpty(), "browser console errors: " + severe);
    }

    /** Every form control has an accessible name: a label tied to it, or aria-label. */
    void everyControlLabelled() {
        Object unlabelled = ((JavascriptExecutor) browser).executeScript("""
                return Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
                    .filter((c) => !c.getAttribute('aria-label') && !(c.id && document.querySelector(`label[for="${c.id}"]`)))
                    .map((c) => c.name || c.outerHTML);""");
        assertEquals(List.of(), unlabelled, "controls without a label");
    }

    /** At a tablet's width nothing needs scrolling sideways. */
    void fitsWidth() {
        Object overflow = ((JavascriptExecutor) browser).executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
        assertEquals(0L, overflow, "the page is wider than the window");
    }

    static Path realSlice(String name) {
        Path slice = TestImages.datasets().resolve("brain-mri-253/yes").resolve(name).toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(slice), slice + " is needed");
        return slice;
    }

    // ---- the tests ------------------------------------------------------------------------------------------

    @Test
    @DisplayName("a doctor logs in, uploads a real slice, sees the prediction and the heat map, filters the list, confirms a label, meets a concurrent edit's 412, reloads, saves, and logs out")
    void doctorsDay() throws Exception {
        logIn("web-doctor@test.example", "web-doctor-password");
        assertEquals("", browser.findElement(By.id("notice")).getText());

        // upload through the file chooser (a drop is the same code path: send() with a FileList)
        // two slices at once: each gets its own progress and result
        browser.findElement(By.id("files")).sendKeys(realSlice("Y1.jpg") + "\n" + realSlice("Y10.jpg"));
        wait.until(d -> d.findElements(By.cssSelector("#results li[data-id]")).size() == 2);
        WebElement result = browser.findElement(By.xpath("//ul[@id='results']/li[h3='Y1.jpg']"));
        String id = result.getAttribute("data-id");
        String prediction = result.findElement(By.cssSelector("[data-field=prediction]")).getText();
        long samePrediction = browser.findElements(By.cssSelector("#results [data-field=prediction]")).stream()
                .filter(e -> e.getText().equals(prediction)).count();
        assertTrue(List.of("tumor", "healthy").contains(prediction), prediction);
        assertTrue(result.findElement(By.cssSelector("[data-field=probability]")).getText().endsWith("%"));
        assertFalse(result.findElement(By.cssSelector("[data-field=unfamiliar]")).getText().isBlank());
        loaded(result.findElement(By.cssSelector("img.scan")));
        loaded(result.findElement(By.cssSelector("img.heatmap")));
        everyControlLabelled();
        screenshot("web-upload");

        // the list, filtered by the prediction: counts and a thumbnail of the new row
        go("#/browse");
        WebElement filters = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("filters")));
        new Select(filters.findElement(By.name("prediction"))).selectByValue(prediction);
        new Select(filters.findElement(By.name("class"))).selectByValue("none");
        filters.findElement(By.cssSelector("button[type=submit]")).click();
        WebElement tile = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#rows li[data-id='" + id + "']")));
        wait.until(ExpectedConditions.textToBe(By.id("total"), String.valueOf(samePrediction)));
        assertTrue(browser.findElement(By.id("by-prediction")).getText().contains(prediction + ": " + samePrediction));
        loaded(tile.findElement(By.tagName("img")));
        everyControlLabelled();
        screenshot("web-browse");

        // open the row; meanwhile someone else changes it (the admin, through the API)
        tile.findElement(By.tagName("a")).click();
        WebElement labelForm = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#row[data-version='1'] #label-form")));
        loaded(browser.findElement(By.cssSelector("#row img.heatmap")));
        HttpResponse<Buffer> read = await(server.request(HttpMethod.GET, "/MRI/" + id, admin).send());
        HttpResponse<Buffer> concurrent = await(server.request(HttpMethod.PATCH, "/MRI/" + id, admin)
                .putHeader("If-Match", read.getHeader("ETag")).sendJsonObject(new JsonObject().put("gender", "female")));
        assertEquals(200, concurrent.statusCode(), concurrent.bodyAsString());

        new Select(labelForm.findElement(By.name("class"))).selectByValue("tumor");
        labelForm.findElement(By.cssSelector("button[type=submit]")).click();
        WebElement stale = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("stale")));
        assertTrue(stale.getText().contains("by admin"), "the page says who changed the row: " + stale.getText());
        screenshot("web-stale-edit");
        stale.findElement(By.id("reload")).click();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("stale")));
        labelForm = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#row[data-version='2'] #label-form")));
        new Select(labelForm.findElement(By.name("class"))).selectByValue("tumor");
        labelForm.findElement(By.cssSelector("button[type=submit]")).click();
        wait.until(ExpectedConditions.textToBe(By.cssSelector("#row[data-version='3'] [data-field=class]"), "tumor"));
        assertTrue(browser.findElement(By.id("notice")).getText().contains("saved"));
        loaded(browser.findElement(By.cssSelector("#row img.heatmap")));
        everyControlLabelled();
        screenshot("web-row");
        JsonObject stored = await(server.request(HttpMethod.GET, "/MRI/" + id, admin).send()).bodyAsJsonObject();
        assertEquals("tumor", stored.getString("class"));
        assertEquals("female", stored.getString("gender"), "the concurrent change survived");
        assertEquals("web-doctor", stored.getString("updated_by"));
        assertTrue(browser.findElements(By.id("delete")).isEmpty(), "doctors do not delete");

        // the confirmed class counts in the model's performance: the doctor sees their own hospital's figures
        go("#/models");
        WebElement figures = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#performance[data-version] #figures-overall")));
        String active = new Select(browser.findElement(By.name("version"))).getFirstSelectedOption().getAttribute("value");
        assertEquals(stored.getString("model_version"), active, "the active model is shown first");
        assertEquals("true", browser.findElement(By.name("hospital")).getAttribute("readonly"), "a doctor reads their own hospital only");
        JsonObject report = await(server.request(HttpMethod.GET, "/models/" + active + "/performance?hospital=" + HOSPITAL, admin)
                .send()).bodyAsJsonObject().getJsonObject("confirmed");
        assertTrue(report.getInteger("n") >= 1, report.encode());
        assertEquals(String.valueOf(report.getInteger("n")), figures.findElement(By.cssSelector("[data-figure=n]")).getText());
        WebElement ownHospital = browser.findElement(By.cssSelector("#figures-hospital tr[data-group='" + HOSPITAL + "']"));
        assertTrue(ownHospital.findElement(By.cssSelector("[data-figure=sensitivity]")).getText().matches("[0-9.]+ %\\n[0-9.]+ % – [0-9.]+ %|–"),
                ownHospital.getText());
        assertFalse(browser.findElements(By.cssSelector("#mix-week tr[data-start]")).isEmpty(), "this week's prediction mix");
        everyControlLabelled();
        // the page hides other hospitals; the server refuses them anyway
        Object otherHospital = ((JavascriptExecutor) browser).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                import('/app/api.js').then((api) => api.request('GET', `/models/${arguments[0]}/performance?hospital=Elsewhere`))
                    .then(() => done(200), (e) => done(e.status));""", active);
        assertEquals(403L, otherHospital);

        noConsoleErrors();
        browser.findElement(By.id("logout")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-form")));
        assertTrue(browser.findElement(By.id("notice")).getText().contains("logged out"));
    }

    @Test
    @DisplayName("a technician sees no delete button and no label form; deleting anyway from the page's own API client answers 403")
    void technicianCannotDelete() throws Exception {
        byte[] scan = TestImages.real("brain-mri-253/no/10 no.jpg");
        HttpResponse<Buffer> created = await(server.upload(admin, scan, "image/jpeg", "male", HOSPITAL, null));
        assertTrue(created.statusCode() == 201 || created.statusCode() == 409, created.bodyAsString());
        String id = created.statusCode() == 201 ? created.bodyAsJsonObject().getString("id")
                : created.bodyAsJsonObject().getString("detail").replaceAll(".*/MRI/", "");

        logIn("web-tech@test.example", "web-tech-password");
        assertFalse(browser.findElement(By.cssSelector("[data-nav=users]")).isDisplayed(), "technicians manage no users");
        everyControlLabelled();
        assertTrue(browser.findElements(By.name("class")).isEmpty(), "technicians give no class at upload");

        // a slice dropped on the drop zone (a PNG the page draws itself: a drop's files cannot come from disk here)
        ((JavascriptExecutor) browser).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const canvas = document.createElement('canvas');
                canvas.width = 200;
                canvas.height = 200;
                const g = canvas.getContext('2d');
                g.fillStyle = '#000';
                g.fillRect(0, 0, 200, 200);
                g.fillStyle = '#999';
                g.beginPath();
                g.ellipse(100, 100, 80, 90, 0, 0, 2 * Math.PI);
                g.fill();
                g.fillStyle = '#fff';
                g.fillRect(60 + Math.random() * 60, 70, 12, 12);
                canvas.toBlob((blob) => {
                  const files = new DataTransfer();
                  files.items.add(new File([blob], 'dropped.png', { type: 'image/png' }));
                  document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: files, bubbles: true, cancelable: true }));
                  done();
                }, 'image/png');""");
        WebElement dropped = wait.until(ExpectedConditions.presenceOfElementLocated(By.xpath("//ul[@id='results']/li[h3='dropped.png'][@data-id]")));
        assertTrue(List.of("tumor", "healthy").contains(dropped.findElement(By.cssSelector("[data-field=prediction]")).getText()));
        go("#/mri/" + id);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("classify")));
        assertTrue(browser.findElements(By.id("delete")).isEmpty(), "no delete button for a technician");
        assertTrue(browser.findElements(By.id("label-form")).isEmpty(), "no label form for a technician");

        Object status = ((JavascriptExecutor) browser).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                import('/app/api.js').then((api) => api.request('DELETE', '/MRI/' + arguments[0]))
                    .then(() => done(204), (e) => done(e.status));""", id);
        assertEquals(403L, status);
        assertEquals(200, await(server.request(HttpMethod.GET, "/MRI/" + id, admin).send()).statusCode(), "the row is still there");

        // the token stops working (here: an admin moves the technician to another hospital, which revokes it, as
        // expiry does): the next action says so plainly and shows the login form
        HttpResponse<Buffer> user = await(server.request(HttpMethod.GET, "/users/web-tech", admin).send());
        HttpResponse<Buffer> moved = await(server.request(HttpMethod.PATCH, "/users/web-tech", admin)
                .putHeader("If-Match", user.getHeader("ETag")).sendJsonObject(new JsonObject().put("user_hospital", "Elsewhere")));
        assertEquals(200, moved.statusCode(), moved.bodyAsString());
        Thread.sleep(1_000);
        go("#/browse");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-form")));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "log in again"));
    }

    @Test
    @DisplayName("an admin manages users and every user finds the password form; the page is sent with a strict Content-Security-Policy")
    void adminScreens() throws Exception {
        HttpResponse<Buffer> page = await(server.client.get("/").send());
        String csp = page.getHeader("Content-Security-Policy");
        assertTrue(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("default-src 'none'"), csp);
        assertFalse(page.bodyAsString().contains("<script>"), "no inline script");

        HttpResponse<Buffer> own = await(server.upload(admin, TestImages.real("brain-mri-253/yes/Y11.jpg"), "image/jpeg", "female", HOSPITAL, null));
        assertTrue(own.statusCode() == 201 || own.statusCode() == 409, own.bodyAsString());
        logIn(TestServer.ADMIN_EMAIL, TestServer.ADMIN_PASSWORD);
        go("#/users");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#users tr[data-user=web-tech]")));
        WebElement create = browser.findElement(By.id("create-user"));
        create.findElement(By.name("user_name")).sendKeys("web-new");
        create.findElement(By.name("user_email")).sendKeys("web-new@test.example");
        create.findElement(By.name("user_password")).sendKeys("a long passphrase");
        new Select(create.findElement(By.name("user_role"))).selectByValue("doctor");
        create.findElement(By.cssSelector("button[type=submit]")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#users tr[data-user=web-new]")));
        everyControlLabelled();
        screenshot("web-users");
        go("#/account");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("password-form")));
        everyControlLabelled();
        screenshot("web-account");

        // confirmed rows in two hospitals: the admin's Models screen measures every hospital, one row each
        String[] genders = {"female", "male"};
        String[] healthy = {"11", "12", "13", "14", "15", "17"};
        for (int i = 0; i < 6; i++) {
            String hospital = i % 2 == 0 ? HOSPITAL : "North Clinic";
            for (String[] slice : List.of(new String[] {"yes/Y10" + (i + 1) + ".jpg", "tumor"}, new String[] {"no/" + healthy[i] + " no.jpg", "healthy"})) {
                HttpResponse<Buffer> labelled = await(server.upload(admin, TestImages.real("brain-mri-253/" + slice[0]), "image/jpeg",
                        genders[i % 2], hospital, slice[1]));
                assertTrue(labelled.statusCode() == 201 || labelled.statusCode() == 409, labelled.bodyAsString());
            }
        }
        go("#/models");
        wait.until(d -> d.findElements(By.cssSelector("#figures-hospital tr[data-group]")).size() >= 2);
        assertEquals("", browser.findElement(By.name("hospital")).getAttribute("value"), "an admin starts with every hospital");
        assertTrue(browser.findElement(By.cssSelector("#figures-hospital tr[data-group='North Clinic'] [data-figure=n]")).getText()
                .matches("[1-9][0-9]*"));
        assertFalse(browser.findElement(By.cssSelector("#figures-overall [data-figure=auc]")).getText().equals("–"),
                "tumors and healthy rows both confirmed: an AUC");
        everyControlLabelled();
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 1700));
        Thread.sleep(300);
        screenshot("web-models");
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 1000));

        // a tablet in portrait (768 x 1024): every screen fits its width
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(768, 1024));
        for (String view : List.of("#/upload", "#/browse", "#/models", "#/users", "#/account")) {
            go(view);
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("main h2")));
            Thread.sleep(300);
            fitsWidth();
        }
        go("#/browse");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#rows li[data-id] img")));
        Thread.sleep(500);
        screenshot("web-tablet");
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 1000));

        // the new user changes their own password, and the next login takes the new one
        browser.findElement(By.id("logout")).click();
        logIn("web-new@test.example", "a long passphrase");
        go("#/account");
        WebElement password = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("password-form")));
        password.findElement(By.name("current_password")).sendKeys("a long passphrase");
        password.findElement(By.name("user_password")).sendKeys("another long passphrase");
        password.findElement(By.name("again")).sendKeys("another long passphrase");
        password.findElement(By.cssSelector("button[type=submit]")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-form")));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("notice"), "password is changed"));
        logIn("web-new@test.example", "another long passphrase");
        assertTrue(browser.findElement(By.id("whoami")).getText().startsWith("web-new"));

        noConsoleErrors();
    }
}
