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

    /// <summary>A binary payload of <paramref name="length"/> bytes whose first four bytes are its number and the rest depends on it.</summary>
    public static byte[] Payload(int number, int length)
    {
        byte[] bytes = new byte[length];
        new System.Random(number).NextBytes(bytes);
        if (length >= 4)
        {
            System.BitConverter.TryWriteBytes(bytes, number);
        }

        return bytes;
    }

    /// <summary>Sends "0", "1", … one after the other, each awaited.</summary>
    public static async Task SendNumbersAsync(WebSocketConnection connection, int count)
    {
        for (int i = 0; i < count; i++)
        {
            await connection.SendAsync(Number(i));
        }
    }
}
