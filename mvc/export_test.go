package mvc

// HeapReservation exposes heapReservation to the tests.
var HeapReservation = heapReservation
