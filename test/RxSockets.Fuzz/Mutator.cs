using System;
using System.Collections.Generic;

namespace RxSockets.Fuzz;

/// <summary>Mutations of valid inputs: bit flips, byte changes, insertions, deletions, truncation, splices.</summary>
public static class Mutator
{
    public static byte[] Mutate(byte[] input, Random random)
    {
        var bytes = new List<byte>(input);
        int mutations = 1 + random.Next(4);
        for (int m = 0; m < mutations; m++)
        {
            int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = Interesting(random);
                    break;
                case 2:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 3 when bytes.Count > 0:
                    bytes.RemoveAt(at);
                    break;
                case 4 when bytes.Count > 0:
                    bytes.RemoveRange(at, bytes.Count - at); // truncate
                    break;
                case 5 when bytes.Count > 1:
                    int from = random.Next(bytes.Count);
                    int length = Math.Min(random.Next(1, 32), bytes.Count - from);
                    bytes.InsertRange(at, bytes.GetRange(from, length)); // duplicate a run
                    break;
                default:
                    for (int i = 0; i < random.Next(1, 8); i++)
                    {
                        bytes.Insert(Math.Min(at, bytes.Count), (byte)random.Next(256));
                    }

                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>Boundary values that break parsers more often than random ones.</summary>
    private static byte Interesting(Random random) => random.Next(10) switch
    {
        0 => 0x00,
        1 => 0xFF,
        2 => 0x7E, // 16-bit length marker
        3 => 0x7F, // 64-bit length marker
        4 => 0x80,
        5 => 0x88, // close
        6 => (byte)'\r',
        7 => (byte)'\n',
        8 => (byte)':',
        _ => 0xC0,
    };
}
