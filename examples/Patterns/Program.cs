// Patterns: python websockets' four patterns as Rx compositions, each run against a scripted client.
//   dotnet run --project examples/Patterns
using System;
using System.Threading.Tasks;

namespace Patterns;

public static class Program
{
    public static async Task Main()
    {
        Console.WriteLine("== consumer: the server consumes what the client sends");
        foreach (string line in await Consumer.DemoAsync())
        {
            Console.WriteLine(line);
        }

        Console.WriteLine("== producer: the server pushes a feed");
        foreach (string line in await Producer.DemoAsync())
        {
            Console.WriteLine(line);
        }

        Console.WriteLine("== both: replies merged with a feed");
        foreach (string line in await Both.DemoAsync())
        {
            Console.WriteLine(line);
        }

        Console.WriteLine("== registration: a chat room that broadcasts to every client");
        foreach (string line in await Chat.DemoAsync())
        {
            Console.WriteLine(line);
        }
    }
}
