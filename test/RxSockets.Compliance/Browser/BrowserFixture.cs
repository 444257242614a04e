using System.Threading.Tasks;
using Microsoft.Playwright;
using NUnit.Framework;

namespace RxSockets.Compliance.Browser;

/// <summary>
/// Launches Debian's headless Chromium once per fixture through Playwright (no browser download:
/// <c>ExecutablePath</c> points at /usr/bin/chromium) and gives each test a fresh context.
/// </summary>
public abstract class BrowserFixture
{
    /// <summary>Generous timeouts for a loaded 2-core machine, in milliseconds.</summary>
    protected const float TimeoutMs = 60_000;

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private IBrowserContext? _context;

    /// <summary>The page of the current test.</summary>
    protected IPage Page { get; private set; } = null!;

    /// <summary>Chromium's version line.</summary>
    protected string ChromiumVersion { get; private set; } = string.Empty;

    [OneTimeSetUp]
    public async Task LaunchChromium()
    {
        ChromiumVersion = Peers.RequireChromium();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Peers.ChromiumPath,
            Headless = true,
            Timeout = TimeoutMs,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
    }

    [OneTimeTearDown]
    public async Task CloseChromium()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
    }

    [SetUp]
    public async Task OpenPage()
    {
        _context = await _browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 900, Height = 560 } });
        _context.SetDefaultTimeout(TimeoutMs);
        Page = await _context.NewPageAsync();
    }

    [TearDown]
    public async Task ClosePage()
    {
        if (_context is not null)
        {
            await _context.CloseAsync();
        }
    }
}
