package dev.jvs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jvs.api.TrustedClients;
import dev.jvs.guest.GuestName;
import dev.jvs.guest.GuestStatus;
import dev.jvs.testing.TestHost;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web dashboard (docs/api.md, "Dashboard") driven in Debian's headless Chromium as a person
 * would, against a real service on HTTPS: log in with a trusted client's token, create a guest from
 * the busybox template, start it, see it running with its usage, refuse a bad limit next to its
 * field, read the console, stop it, and see the events. Saves a screenshot in the build directory.
 * Leaves no guest, cgroup, mount, service or browser process behind.
 */
@Tag("kernel")
class DashboardIT {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Duration WAIT = Duration.ofSeconds(60); // a deadline, not a measurement

  @Test
  void aPersonLogsInStartsAGuestWatchesItAndStopsIt() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "chromium and chromium-driver are not installed (./build.sh setup installs them)");
    int port = freePort();
    ProcessHandle serviceProcess;
    started = System.nanoTime();
    try (TestHost host = new TestHost();
        TestService service = TestService.start(host, "--listen", "127.0.0.1:" + port)) {
      serviceProcess = service.process.toHandle();
      TrustedClients trusted = new TrustedClients(host.dirs().root());
      String token = trusted.add("dashboard-it");
      step("service listening");
      Path profile = host.base().resolve("chromium");
      GuestName guest = GuestName.of("dash1");
      ChromeDriverService driverService =
          new ChromeDriverService.Builder()
              .usingDriverExecutable(CHROMEDRIVER.toFile())
              .usingPort(freePort())
              .withLogFile(host.base().resolve("chromedriver.log").toFile())
              .build();
      WebDriver browser = new ChromeDriver(driverService, options(profile));
      step("browser up");
      List<ProcessHandle> browserProcesses;
      try {
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        // Without a token the page asks for one, and a wrong one is refused.
        open(browser, "https://127.0.0.1:" + port + "/");
        login(browser, "jvs_not-a-token");
        wait.until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.id("login-error"), "not trusted"));
        login(browser, token);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("guests")));
        assertThat(browser.findElement(By.id("host")).getText()).contains("jvs");
        step("logged in");

        // Create a guest from the busybox template.
        browser.findElement(By.id("new-name")).sendKeys(guest.value());
        WebElement template = browser.findElement(By.id("new-template"));
        template.clear();
        template.sendKeys("busybox");
        browser.findElement(By.id("create")).click();
        By row = By.cssSelector("tr[data-guest='dash1']");
        wait.until(ExpectedConditions.attributeToBe(row, "data-state", "stopped"));
        assertThat(host.guests().status(guest).state()).isEqualTo(GuestStatus.State.STOPPED);
        step("created");

        // The page is on the unix socket too, from the same jar.
        assertThat(rawHttp(service.socket, "GET / HTTP/1.0\r\nHost: jvs\r\n\r\n"))
            .containsPattern("^HTTP/1\\.[01] 200 ")
            .contains("Content-Security-Policy: default-src 'self'")
            .contains("<title>jvs</title>");

        // Another site's page cannot use the dashboard's access: a request its browser marks with
        // a foreign Origin is refused, even on the unix socket, where no token is asked for.
        String refused =
            rawHttp(
                service.socket,
                "PUT /1.0/guests/dash1/state HTTP/1.0\r\nHost: jvs\r\nOrigin: https://evil.example"
                    + "\r\nContent-Type: text/plain\r\nContent-Length: 18\r\n\r\n"
                    + "{\"action\":\"start\"}");
        assertThat(refused)
            .containsPattern("^HTTP/1\\.[01] 403 ")
            .contains("cross-site request refused");
        assertThat(host.guests().status(guest).state()).isEqualTo(GuestStatus.State.STOPPED);

        // Start it: it runs, and its sparklines fill with points from the polls.
        click(browser, By.cssSelector("tr[data-guest='dash1'] button[data-action='start']"));
        wait.until(ExpectedConditions.attributeToBe(row, "data-state", "running"));
        assertThat(host.guests().status(guest).state()).isEqualTo(GuestStatus.State.RUNNING);
        wait.until(
            d ->
                points(d, "tr[data-guest='dash1'] svg.spark.cpu") >= 3
                    && points(d, "tr[data-guest='dash1'] svg.spark.mem") >= 3);
        step("running, sparklines drawn");
        assertThat(
                browser.findElement(By.cssSelector("tr[data-guest='dash1'] .mem-value")).getText())
            .matches("[0-9.]+ (B|KiB|MiB|GiB)");
        assertThat(
                browser
                    .findElement(By.cssSelector("tr[data-guest='dash1'] svg.spark.mem polyline"))
                    .getAttribute("points"))
            .contains(",");

        // A bad limit is refused next to its field and changes nothing; a good one is saved.
        browser.findElement(By.cssSelector("tr[data-guest='dash1'] a.guest-name")).click();
        By rss = By.id("limit-memory.rss");
        wait.until(ExpectedConditions.visibilityOfElementLocated(rss));
        setField(browser, rss, "12Q");
        browser.findElement(By.id("save-limits")).click();
        By rssError = By.cssSelector("[data-key='memory.rss'] .field-error");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(rssError, "memory.rss"));
        screenshot(browser, "dashboard-limit-refused.png");
        assertThat(browser.findElement(rss).getAttribute("class")).contains("invalid");
        assertThat(host.guests().config(guest).resources()).doesNotContainKey("memory.rss");
        setField(browser, rss, "64M");
        browser.findElement(By.id("save-limits")).click();
        wait.until(
            ExpectedConditions.textToBePresentInElementLocated(By.id("limits-message"), "saved"));
        assertThat(browser.findElement(rssError).getText()).isEmpty();
        assertThat(host.guests().config(guest).resources()).containsEntry("memory.rss", "64M");
        wait.until( // the running guest's new limit, as the next scrape has it
            ExpectedConditions.textToBePresentInElementLocated(
                By.cssSelector("tr[data-guest='dash1'] .mem-value"), " of 64.0 MiB"));
        step("limits refused and saved");

        // The console log view shows the guest's console (busybox init prints to it).
        wait.until(d -> !d.findElement(By.id("console")).getText().isBlank());
        screenshot(browser, "dashboard-running.png");

        // Stop it, and the feed shows what happened.
        click(browser, By.cssSelector("tr[data-guest='dash1'] button[data-action='stop']"));
        wait.until(ExpectedConditions.attributeToBe(row, "data-state", "stopped"));
        assertThat(host.guests().status(guest).state()).isEqualTo(GuestStatus.State.STOPPED);
        // A stop ends busybox's init by SIGTERM, which it answers by exiting 0: the feed says
        // "exited" with that code (GuestWatcher), "stopped" when it had to be killed.
        for (String type : List.of("created", "started", "config", "stopped|exited")) {
          wait.until(
              ExpectedConditions.presenceOfElementLocated(
                  By.cssSelector(
                      Stream.of(type.split("\\|"))
                          .map(t -> "#events li[data-guest='dash1'][data-type='" + t + "']")
                          .collect(java.util.stream.Collectors.joining(", ")))));
        }
        wait.until(d -> points(d, "tr[data-guest='dash1'] svg.spark.cpu") == 0);
        step("stopped, events seen");

        // Delete it: a second click confirms; the row goes and the feed says so.
        By delete = By.cssSelector("tr[data-guest='dash1'] button[data-action='delete']");
        click(browser, delete);
        wait.until(ExpectedConditions.textToBe(delete, "Sure?"));
        assertThat(host.guests().list()).hasSize(1); // one click deletes nothing
        browser.findElement(delete).click();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(row));
        wait.until(
            ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#events li[data-guest='dash1'][data-type='deleted']")));
        assertThat(host.guests().list()).isEmpty();
        step("deleted");

        // Revoking the token ends the session at the page's next call.
        trusted.remove("dashboard-it");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
        assertThat(browser.findElement(By.id("main")).isDisplayed()).isFalse();
        assertThat(browser.findElement(By.id("login-error")).getText()).contains("not trusted");
      } finally {
        screenshot(browser, "dashboard.png"); // also of a failure, to see why
        browserProcesses = browserProcesses(profile); // all there are by now, renderers too
        browser.quit();
        driverService.stop();
      }
      assertThat(browserProcessesLeft(browserProcesses, profile)).as("browser processes").isEmpty();
      assertThat(service.logText()).contains("api dashboard-it PUT /1.0/guests/dash1/state -> 200");
    }
    assertThat(serviceProcess.isAlive()).as("the service after its stop").isFalse();
  }

  private static long started;

  /** Where the time goes, for whoever runs it (printed, not asserted). */
  private static void step(String what) {
    System.out.printf("DashboardIT: %5.1f s %s%n", (System.nanoTime() - started) / 1e9, what);
  }

  private static ChromeOptions options(Path profile) {
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM.toFile());
    o.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--ignore-certificate-errors", // the service's certificate is self-signed
        "--user-data-dir=" + profile,
        "--window-size=1280,1000",
        // Nothing but the service on loopback: no update, sync or safe-browsing calls, and any
        // stray request goes to a closed local port (loopback itself bypasses the proxy).
        "--proxy-server=127.0.0.1:9",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--no-first-run");
    return o;
  }

  private static void screenshot(WebDriver browser, String name) throws IOException {
    Path shot = buildDir().resolve(name);
    Files.write(shot, ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES));
    System.out.println("DashboardIT: screenshot " + shot);
  }

  /**
   * Loads the page, again if Chromium dropped it for a change of the host's interfaces
   * (ERR_NETWORK_CHANGED: other jvs tests on the host add and remove veths at any time).
   */
  private static void open(WebDriver browser, String url) {
    for (int attempt = 1; ; attempt++) {
      browser.get(url);
      try {
        new WebDriverWait(browser, Duration.ofSeconds(20))
            .until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
        return;
      } catch (org.openqa.selenium.TimeoutException e) {
        if (attempt == 3) {
          throw e;
        }
        System.out.println("DashboardIT: page not shown, loading it again: " + browser.getTitle());
      }
    }
  }

  /** Clicks {@code button} once it can be clicked (a row's buttons wait while an action runs). */
  private static void click(WebDriver browser, By button) {
    new WebDriverWait(browser, WAIT).until(ExpectedConditions.elementToBeClickable(button)).click();
  }

  private static void login(WebDriver browser, String token) {
    WebElement field = browser.findElement(By.id("token"));
    field.clear();
    field.sendKeys(token);
    browser.findElement(By.id("login-button")).click();
  }

  private static void setField(WebDriver browser, By field, String value) {
    WebElement e = browser.findElement(field);
    e.clear();
    e.sendKeys(value);
  }

  /** How many points a sparkline has drawn (the page keeps the count on the SVG). */
  private static int points(WebDriver browser, String svg) {
    String n = browser.findElement(By.cssSelector(svg)).getAttribute("data-points");
    return n == null ? 0 : Integer.parseInt(n);
  }

  /** One request over the unix socket, as written; the reply, read to its end. */
  private static String rawHttp(Path socket, String request) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8));
      while (out.hasRemaining()) {
        ch.write(out);
      }
      return new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static Path buildDir() {
    return Path.of(System.getProperty("jvs.jar", "target/jvs.jar")).toAbsolutePath().getParent();
  }

  /** This test's chromedriver and chromium processes: its descendants that run either. */
  private static List<ProcessHandle> browserProcesses(Path profile) {
    return Stream.concat(
            ProcessHandle.current()
                .descendants()
                .filter(p -> p.info().command().orElse("").contains("chrom")),
            usingProfile(profile))
        .distinct()
        .toList();
  }

  private static Stream<ProcessHandle> usingProfile(Path profile) {
    return ProcessHandle.allProcesses()
        .filter(
            p ->
                p.info()
                    .arguments()
                    .map(a -> String.join(" ", a))
                    .orElse("")
                    .contains(profile.toString()));
  }

  /** Those still alive once quit has had time to end them, and any other one on its profile. */
  private static List<String> browserProcessesLeft(List<ProcessHandle> seen, Path profile) {
    for (ProcessHandle p : seen) {
      try {
        p.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        // reported below
      }
    }
    return Stream.concat(seen.stream().filter(ProcessHandle::isAlive), usingProfile(profile))
        .distinct()
        .map(p -> p.pid() + " " + p.info().command().orElse("?"))
        .toList();
  }
}
