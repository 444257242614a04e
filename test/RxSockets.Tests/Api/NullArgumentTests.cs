using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Threading;
using NUnit.Framework;

namespace RxSockets.Tests;

/// <summary>
/// Reflective check of the public API (STYLE S12, Rx's ArgumentValidationTest): every public static
/// method and constructor that takes a non-nullable reference parameter throws
/// <see cref="ArgumentNullException"/> naming that parameter when it gets null, instead of failing
/// later with a NullReferenceException. Members whose other parameters cannot be given a simple
/// value (or refuse the simple value first) are skipped, and so are exception constructors, which
/// accept null like the BCL's.
/// </summary>
[TestFixture]
public sealed class NullArgumentTests
{
    private static readonly Assembly[] s_assemblies =
    [
        typeof(WebSocketConnection).Assembly,
        typeof(Protocol.ProtocolConnection).Assembly,
        typeof(Testing.Marbles).Assembly,
    ];

    [Test]
    public void PublicStaticMethodsAndConstructors_NullForNonNullableReference_ThrowArgumentNullException()
    {
        var context = new NullabilityInfoContext();
        var failures = new List<string>();
        int checkedCount = 0;
        foreach (MethodBase member in Members())
        {
            ParameterInfo[] parameters = member.GetParameters();
            for (int i = 0; i < parameters.Length; i++)
            {
                ParameterInfo target = parameters[i];
                if (target.ParameterType.IsValueType || target.ParameterType.IsByRef || context.Create(target).WriteState != NullabilityState.NotNull)
                {
                    continue;
                }

                object?[]? arguments = Arguments(parameters, i);
                if (arguments is null)
                {
                    continue;
                }

                string? problem = Invoke(member, arguments, target.Name!);
                if (problem == Inconclusive)
                {
                    continue;
                }

                checkedCount++;
                if (problem is not null)
                {
                    failures.Add($"{member.DeclaringType!.Name}.{member.Name}({target.Name}): {problem}");
                }
            }
        }

        Assert.That(checkedCount, Is.GreaterThan(25), "the reflection found the public API");
        Assert.That(failures, Is.Empty, string.Join(Environment.NewLine, failures));
    }

    private static IEnumerable<MethodBase> Members() =>
        s_assemblies.SelectMany(a => a.GetExportedTypes())
            .Where(t => !t.IsGenericTypeDefinition && !typeof(Delegate).IsAssignableFrom(t) && !typeof(Exception).IsAssignableFrom(t))
            .SelectMany(t => t.GetConstructors().Cast<MethodBase>()
                .Concat(t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly)
                    .Where(m => !m.IsGenericMethodDefinition && !m.IsSpecialName)))
            .Where(m => !(m.DeclaringType!.IsAbstract && m.IsConstructor));

    /// <summary>Simple values for every parameter but the one under test, or null when one has no simple value.</summary>
    private static object?[]? Arguments(ParameterInfo[] parameters, int nullIndex)
    {
        var arguments = new object?[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            if (i == nullIndex)
            {
                continue;
            }

            Type type = parameters[i].ParameterType;
            if (parameters[i].HasDefaultValue)
            {
                arguments[i] = parameters[i].DefaultValue;
            }
            else if (type == typeof(string))
            {
                arguments[i] = "x";
            }
            else if (type == typeof(CancellationToken))
            {
                arguments[i] = CancellationToken.None;
            }
            else if (type.IsValueType && !type.IsByRefLike && !type.IsByRef)
            {
                arguments[i] = Activator.CreateInstance(type);
            }
            else if (type == typeof(Uri))
            {
                arguments[i] = new Uri("ws://127.0.0.1:1/");
            }
            else
            {
                return null;
            }
        }

        return arguments;
    }

    private static string? Invoke(MethodBase member, object?[] arguments, string parameter)
    {
        try
        {
            object? result = member is ConstructorInfo constructor ? constructor.Invoke(arguments) : member.Invoke(null, arguments);
            if (result is System.Threading.Tasks.Task task)
            {
                try
                {
                    task.Wait(TimeSpan.FromSeconds(10));
                }
                catch (AggregateException ex)
                {
                    return Judge(ex.InnerException!, parameter);
                }

                return "accepted null (no exception)";
            }

            return "accepted null (no exception)";
        }
        catch (TargetInvocationException ex)
        {
            return Judge(ex.InnerException!, parameter);
        }
    }

    /// <summary>Another parameter's simple value was refused first, so this case says nothing.</summary>
    private const string Inconclusive = "inconclusive";

    private static string? Judge(Exception exception, string parameter) => exception switch
    {
        ArgumentNullException nullException => nullException.ParamName == parameter ? null : $"ArgumentNullException for '{nullException.ParamName}'",
        ArgumentException other when other.ParamName is not null && other.ParamName != parameter => Inconclusive,
        _ => $"{exception.GetType().Name}: {exception.Message}",
    };
}
