using System.Security.Cryptography;
using System.Text;

namespace Koi.Certmesh.Crypto;

/// <summary>
/// Proposes CA passphrases as pronounceable words. Each word is consonant-vowel-consonant-vowel-consonant from
/// 16 consonants and 4 vowels: 16·4·16·4·16 = 65,536 words, 16 bits each, so 6 words carry 96 bits — comfortably
/// above the 77-bit floor while staying easy to read aloud and type.
/// </summary>
internal static class PassphraseGenerator
{
    public const int DefaultWords = 6;
    public const int BitsPerWord = 16;

    /// <summary>Manual passphrases below this length are refused.</summary>
    public const int MinimumManualLength = 12;

    private const string Consonants = "bdfghjklmnprstvz";
    private const string Vowels = "aiou";

    public static string Generate(int words = DefaultWords)
    {
        var parts = new string[words];
        for (var i = 0; i < words; i++)
        {
            parts[i] = Word(RandomNumberGenerator.GetInt32(1 << BitsPerWord));
        }

        return string.Join('-', parts);
    }

    public static int EntropyBits(int words = DefaultWords) => words * BitsPerWord;

    internal static string Word(int index)
    {
        var text = new StringBuilder(5);
        text.Append(Consonants[index & 15]);
        text.Append(Vowels[(index >> 4) & 3]);
        text.Append(Consonants[(index >> 6) & 15]);
        text.Append(Vowels[(index >> 10) & 3]);
        text.Append(Consonants[(index >> 12) & 15]);
        return text.ToString();
    }

    /// <summary>Null when acceptable, else the rule it breaks.</summary>
    public static string? CheckManual(string passphrase)
    {
        if (passphrase.Length < MinimumManualLength)
        {
            return $"the passphrase must be at least {MinimumManualLength} characters";
        }

        if (passphrase.Distinct().Count() < 5)
        {
            return "the passphrase must use at least 5 different characters";
        }

        return null;
    }
}
