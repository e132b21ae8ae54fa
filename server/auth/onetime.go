package auth

import (
	"crypto/rand"
	"math/big"
)

// oneTimeAlphabet leaves out the letters and digits read alike on paper or a phone (0/o, 1/l/i).
const oneTimeAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// OneTimePassword returns a random password for an administrator to hand to a user, who must change it at the
// next sign-in: three groups of four characters, such as "k7dm-3pqa-wx9e" (about 59 bits), easy to read out and
// type on a phone, and within the policy (CheckPolicy).
func OneTimePassword() string {
	b := make([]byte, 0, 14)
	for i := 0; i < 12; i++ {
		if i > 0 && i%4 == 0 {
			b = append(b, '-')
		}
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(oneTimeAlphabet))))
		if err != nil {
			panic(err) // crypto/rand does not fail on the platforms Go supports
		}
		b = append(b, oneTimeAlphabet[n.Int64()])
	}
	return string(b)
}
