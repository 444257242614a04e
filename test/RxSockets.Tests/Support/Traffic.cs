using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;

namespace RxSockets.Tests;

/// <summary>Numbered messages, so order and loss are easy to check.</summary>
internal static class Traffic
{
    public static string Number(int i) => i.ToString(CultureInfo.InvariantCulture);

    public static IEnumerable<string> Numbers(int count) => Enumerable.Range(0, count).Select(Number);

    /// <summary>Sends "0", "1", … one after the other, each awaited.</summary>
    public static async Task SendNumbersAsync(WebSocketConnection connection, int count)
    {
        for (int i = 0; i < count; i++)
        {
            await connection.SendAsync(Number(i));
        }
    }
}
